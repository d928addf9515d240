/** Checks an outcome against its JSON Schema with ajv, keeping every error so the caller can show them all. */
import type { ValidateFunction } from 'ajv';
import { schemaValidators } from '../../shared/schema-validators.js';

/** Compiles (once per distinct schema content, bounded) or says why the schema is not usable. */
export function compileOutcomeSchema(schema: object): { ok: true; validate: ValidateFunction } | { ok: false; message: string } {
  try {
    return { ok: true, validate: schemaValidators.validatorFor(schema) };
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
