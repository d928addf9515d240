/** Tool arguments: parsing the model's JSON text and checking it against the tool's JSON Schema (ajv). */
import { Ajv, type ValidateFunction } from 'ajv';

// strict: false because schemas come from agent authors and carry keywords ajv does not know
// (e.g. OpenAI's `strict`); formats are descriptive for the model, not enforced.
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
/**
 * Validators by schema text. ajv keeps every schema object it compiles, keyed by identity, so
 * schemas built per conversation would pile up there: compile once per distinct text instead,
 * and drop the object from ajv's cache once compiled.
 */
const compiled = new Map<string, ValidateFunction>();
const MAX_COMPILED = 512;

/** The schema's compile error, or null when ajv accepts it (used to vet agent settings). */
export function schemaProblem(schema: Readonly<Record<string, unknown>>): string | null {
  try {
    validatorFor(schema);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function validatorFor(schema: Readonly<Record<string, unknown>>): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    try {
      validate = ajv.compile(schema);
    } finally {
      ajv.removeSchema(schema);
    }
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
    compiled.set(key, validate);
  }
  return validate;
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
  const validate = validatorFor(schema);
  if (!validate(value)) {
    return { ok: false, arguments: value, error: `Invalid arguments: ${ajv.errorsText(validate.errors, { dataVar: 'arguments' })}.` };
  }
  return { ok: true, value: value as Record<string, unknown> };
}
