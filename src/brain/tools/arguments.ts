/** Tool arguments: parsing the model's JSON text and checking it against the tool's JSON Schema (ajv). */
import { schemaValidators } from '../../shared/schema-validators.js';

/** The schema's compile error, or null when ajv accepts it (used to vet agent settings). */
export function schemaProblem(schema: Readonly<Record<string, unknown>>): string | null {
  try {
    schemaValidators.validatorFor(schema);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Arguments ready for the tool, or why they are not. */
export type ParsedArguments =
  | { readonly ok: true; readonly value: Record<string, unknown> }
  /** `arguments`: the parsed JSON when it parsed, else the raw text. */
  | { readonly ok: false; readonly arguments: unknown; readonly error: string };

/** Parses and validates; the error text is written for the model, to fix its next call. */
export function parseArguments(text: string, schema: Readonly<Record<string, unknown>>): ParsedArguments {
  let value: unknown;
  try {
    // Some servers send "" for a call without arguments.
    value = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    return { ok: false, arguments: text, error: 'The arguments were not valid JSON. Call the tool again with a JSON object.' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, arguments: value, error: 'The arguments must be a JSON object.' };
  }
  const validate = schemaValidators.validatorFor(schema);
  if (!validate(value)) {
    return { ok: false, arguments: value, error: `Invalid arguments: ${schemaValidators.errorsText(validate.errors, 'arguments')}.` };
  }
  return { ok: true, value: value as Record<string, unknown> };
}
