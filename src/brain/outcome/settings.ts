/** What an agent asks of a call's analysis (`settings.outcome`): outcome schema, tags, summary; the seeds' styles normalised. */
import { z } from 'zod';
import { conditionSchema } from '../flow/schema.js';
import { compileOutcomeSchema } from './outcome-validator.js';

/** A JSON Schema of the outcome object: `{type:'object', properties, required}`. */
export type OutcomeSchema = Readonly<Record<string, unknown>> & { readonly type: 'object' };

export interface OutcomeTag {
  readonly name: string;
  readonly description?: string;
}

/** Sets `tag` when every variable named in `when` meets its condition (used without a model). */
export interface TagRule {
  readonly tag: string;
  readonly when: Readonly<Record<string, z.infer<typeof conditionSchema>>>;
}

/** Normalised outcome settings. */
export interface OutcomeSettings {
  readonly schema: OutcomeSchema | null;
  readonly tags: readonly OutcomeTag[];
  readonly tagRules: readonly TagRule[];
  readonly summary: boolean;
  /** Outcome field -> collected value or call variable to fill it from, when the names differ. */
  readonly mapping: Readonly<Record<string, string>>;
}

export interface OutcomeSettingsProblem {
  /** Path inside `settings.outcome`, e.g. `schema.properties.confirmed`. */
  readonly field: string;
  readonly message: string;
}

/** Friendlier type names the seeds and no-code users write, mapped onto JSON Schema types. */
const typeAliases: Readonly<Record<string, string>> = {
  string: 'string', text: 'string', date: 'string', datetime: 'string', time: 'string', enum: 'string',
  number: 'number', float: 'number', decimal: 'number', integer: 'integer', int: 'integer',
  boolean: 'boolean', bool: 'boolean', array: 'array', list: 'array', object: 'object', null: 'null',
};
const fieldName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a field name is letters, digits and "_", starting with a letter or "_"');

/** One field in the seeds' map style (Hamsa, HappyRobot): `{type, description, required?}`. */
const fieldSpec = z.looseObject({
  type: z.string().refine((type) => type.toLowerCase() in typeAliases, 'unknown type'),
  description: z.string().max(1_000).optional(),
  required: z.boolean().optional(),
  nullable: z.boolean().optional(),
  enum: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1).optional(),
  example: z.unknown().optional(),
});
/** HappyRobot's `extract_with_ai`: a list of named fields. */
const fieldList = z.array(fieldSpec.extend({ name: fieldName })).min(1).max(100);
const fieldMap = z.record(fieldName, fieldSpec);
const jsonSchemaObject = z.looseObject({ type: z.literal('object'), properties: z.record(z.string(), z.unknown()).optional() });

const tagSchema = z.union([
  z.string().trim().min(1).max(100),
  z.looseObject({ name: z.string().trim().min(1).max(100), description: z.string().max(1_000).optional() }),
]);

const rawSettingsSchema = z.strictObject({
  schema: z.unknown().optional(),
  tags: z.array(tagSchema).max(100).default([]),
  tag_rules: z.array(z.strictObject({ tag: z.string().trim().min(1), when: z.record(z.string(), conditionSchema) })).max(100).default([]),
  summary: z.boolean().default(true),
  mapping: z.record(fieldName, z.string().min(1)).default({}),
});

/** Settings for an agent that gives none: a summary, no outcome, no tags. */
export const defaultOutcomeSettings: OutcomeSettings = { schema: null, tags: [], tagRules: [], summary: true, mapping: {} };

/**
 * Reads `settings.outcome` (absent means the defaults). `schema` may be a JSON Schema object, a
 * map of field -> `{type, description, required?}`, or a list of `{name, type, description,
 * required?}`; all become a JSON Schema that ajv compiles. Problems name the field at fault.
 */
export function parseOutcomeSettings(
  input: unknown,
): { ok: true; settings: OutcomeSettings } | { ok: false; problems: OutcomeSettingsProblem[] } {
  if (input === undefined || input === null) return { ok: true, settings: defaultOutcomeSettings };
  const raw = rawSettingsSchema.safeParse(input);
  if (!raw.success) return { ok: false, problems: raw.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message })) };

  const normalised = raw.data.schema === undefined || raw.data.schema === null ? { ok: true as const, schema: null } : normaliseSchema(raw.data.schema);
  if (!normalised.ok) return { ok: false, problems: normalised.problems };
  if (normalised.schema) {
    const compiled = compileOutcomeSchema(normalised.schema);
    if (!compiled.ok) return { ok: false, problems: [{ field: 'schema', message: compiled.message }] };
  }
  const tags = raw.data.tags.map((tag) => (typeof tag === 'string' ? { name: tag } : { name: tag.name, ...(tag.description ? { description: tag.description } : {}) }));
  const problems: OutcomeSettingsProblem[] = [];
  raw.data.tag_rules.forEach((rule, i) => {
    if (!tags.some((tag) => tag.name === rule.tag)) problems.push({ field: `tag_rules.${i}.tag`, message: `"${rule.tag}" is not one of the tags` });
  });
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    settings: { schema: normalised.schema, tags, tagRules: raw.data.tag_rules, summary: raw.data.summary, mapping: raw.data.mapping },
  };
}

/** A JSON Schema object, a field map or a field list -> a JSON Schema object. */
export function normaliseSchema(input: unknown): { ok: true; schema: OutcomeSchema } | { ok: false; problems: OutcomeSettingsProblem[] } {
  const asSchema = jsonSchemaObject.safeParse(input);
  if (asSchema.success) {
    // `$schema` would make ajv look up a meta-schema it may not have; a repeated `$id` would clash in its registry.
    const { $schema: _meta, $id: _id, ...schema } = asSchema.data;
    return { ok: true, schema: schema as OutcomeSchema };
  }
  const asList = fieldList.safeParse(input);
  const asMap = Array.isArray(input) ? null : fieldMap.safeParse(input);
  if (asList.success) return { ok: true, schema: fromFields(asList.data.map(({ name, ...spec }) => [name, spec])) };
  if (asMap?.success) return { ok: true, schema: fromFields(Object.entries(asMap.data)) };
  const issues = (Array.isArray(input) ? asList.error : asMap?.error)?.issues ?? [];
  return {
    ok: false,
    problems:
      issues.length > 0
        ? issues.map((issue) => ({ field: ['schema', ...issue.path.map(String)].join('.'), message: issue.message }))
        : [{ field: 'schema', message: 'expected a JSON Schema object, a map of fields or a list of fields' }],
  };
}

function fromFields(fields: readonly (readonly [string, z.infer<typeof fieldSpec>])[]): OutcomeSchema {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [name, spec] of fields) {
    const type = typeAliases[spec.type.toLowerCase()]!;
    properties[name] = {
      type: spec.nullable ? [type, 'null'] : type,
      ...(spec.description ? { description: spec.description } : {}),
      ...(spec.enum ? { enum: spec.nullable ? [...spec.enum, null] : spec.enum } : {}),
      ...(spec.example !== undefined ? { examples: [spec.example] } : {}),
    };
    if (spec.required) required.push(name);
  }
  return { type: 'object', properties, required };
}
