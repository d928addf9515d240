/** A JSON setting edited as text: parsed as you type, the parse error and the API's problems shown beside it. */
import { Field } from '../ui';

export interface JsonText {
  readonly text: string;
  readonly error?: string;
}

export function toJsonText(value: unknown): JsonText {
  return { text: value === undefined || value === null ? '' : JSON.stringify(value, null, 2) };
}

/** The parsed value (undefined for empty), or throws with the parse error. */
export function parseJsonText(name: string, value: JsonText): unknown {
  if (value.text.trim() === '') return null;
  try {
    return JSON.parse(value.text);
  } catch (error) {
    throw new Error(`${name}: ${(error as Error).message}`);
  }
}

export function JsonField({ label, hint, value, onChange, problems, rows = 6, readOnly }: { label: string; hint?: string; value: JsonText; onChange: (value: JsonText) => void; problems?: string[]; rows?: number; readOnly?: boolean }) {
  const error = [value.error, ...(problems ?? [])].filter(Boolean).join(' · ') || undefined;
  return (
    <Field label={label} {...(hint ? { hint } : {})} error={error}>
      {(props) => (
        <textarea
          {...props}
          className="code"
          rows={rows}
          spellCheck={false}
          readOnly={readOnly}
          value={value.text}
          onChange={(event) => {
            const text = event.target.value;
            let parseError: string | undefined;
            if (text.trim() !== '') {
              try {
                JSON.parse(text);
              } catch (caught) {
                parseError = `Not valid JSON: ${(caught as Error).message}`;
              }
            }
            onChange({ text, ...(parseError ? { error: parseError } : {}) });
          }}
        />
      )}
    </Field>
  );
}
