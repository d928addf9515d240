/**
 * Compiled JSON Schema validators (ajv), cached by the schema's content and bounded.
 *
 * ajv keeps every schema object it compiles in its own cache, keyed by identity: schemas built
 * per call or per conversation (an agent's outcome schema parsed from its stored settings, a
 * tool's parameters) would pile up there forever (6,961 `SchemaEnv` after 6,957 analysed calls).
 * So each distinct schema text is compiled once, ajv forgets the object at once, and the
 * validators live in a least-recently-used map of bounded size.
 */
import { createHash } from 'node:crypto';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

export interface SchemaValidatorsOptions {
  /** Distinct schemas kept compiled; the least recently used one goes first. */
  readonly maxEntries?: number;
}

export class SchemaValidators {
  /**
   * strict: false accepts the keywords agent authors, models and no-code tools add (`examples`,
   * OpenAI's `strict`, vendor extensions); formats are annotations since ajv-formats is not a
   * dependency.
   */
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  /** Map order is recency: a hit moves its entry to the end. */
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly maxEntries: number;

  constructor(options: SchemaValidatorsOptions = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? 512);
  }

  /** The validator of this schema's content; throws ajv's error when the schema does not compile. */
  validatorFor(schema: object): ValidateFunction {
    const key = contentHash(schema);
    const hit = this.compiled.get(key);
    if (hit) {
      this.compiled.delete(key);
      this.compiled.set(key, hit);
      return hit;
    }
    let validate: ValidateFunction;
    try {
      validate = this.ajv.compile(schema);
    } finally {
      this.ajv.removeSchema(schema);
    }
    if (this.compiled.size >= this.maxEntries) this.compiled.delete(this.compiled.keys().next().value!);
    this.compiled.set(key, validate);
    return validate;
  }

  /** ajv's one-line summary of validation errors. */
  errorsText(errors: ErrorObject[] | null | undefined, dataVar: string): string {
    return this.ajv.errorsText(errors, { dataVar });
  }

  /** Validators held, and schema environments ajv itself still retains (for the soak benchmark). */
  stats(): { readonly cached: number; readonly ajvRetained: number } {
    const internal: { _cache?: Map<unknown, unknown>; schemas?: object; refs?: object } = { _cache: Reflect.get(this.ajv, '_cache') as Map<unknown, unknown> | undefined, schemas: this.ajv.schemas, refs: this.ajv.refs };
    const retained = (internal._cache?.size ?? 0) + Object.keys(internal.schemas ?? {}).length + Object.keys(internal.refs ?? {}).length;
    return { cached: this.compiled.size, ajvRetained: retained };
  }
}

/** sha256 of the schema's JSON text: equal content, one entry, whatever object holds it. */
function contentHash(schema: object): string {
  return createHash('sha256').update(JSON.stringify(schema)).digest('base64url');
}

/** The one cache the brain's tools and the call analysis share. */
export const schemaValidators = new SchemaValidators();
