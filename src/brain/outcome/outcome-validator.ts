/** Checks an outcome against its JSON Schema with ajv, keeping every error so the caller can show them all. */
import { Ajv, type ValidateFunction } from 'ajv';

/**
 * strict: false accepts the keywords models and no-code tools add (`examples`, `title`, vendor
 * extensions); formats are annotations here because ajv-formats is not a dependency.
 */
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const compiled = new WeakMap<object, ValidateFunction>();

/** Compiles (once per schema object) or says why the schema is not usable. */
export function compileOutcomeSchema(schema: object): { ok: true; validate: ValidateFunction } | { ok: false; message: string } {
  const cached = compiled.get(schema);
  if (cached) return { ok: true, validate: cached };
  try {
    const validate = ajv.compile(schema);
    compiled.set(schema, validate);
    return { ok: true, validate };
  } catch (error) {
    return { ok: false, message: `The outcome schema does not compile: ${(error as Error).message}` };
  }
}

/** Readable ajv messages ("/confirmed must be boolean"), or an empty list when the value fits. */
export function outcomeErrors(schema: object, value: unknown): string[] {
  const compiledSchema = compileOutcomeSchema(schema);
  if (!compiledSchema.ok) return [compiledSchema.message];
  if (compiledSchema.validate(value)) return [];
  return (compiledSchema.validate.errors ?? []).map((error) => {
    const where = error.instancePath || '(root)';
    const extra = error.keyword === 'additionalProperties' ? ` (${String(error.params.additionalProperty)})` : '';
    return `${where} ${error.message ?? 'is not valid'}${extra}`;
  });
}
