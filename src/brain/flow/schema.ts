/** The flow definition a flow agent stores in `settings.flow`: nodes joined by edges, as a zod schema. */
import { z } from 'zod';
import { answerKinds } from '../nlu/understand.js';

/** Node ids appear in problems and logs, so they stay short and plain. */
export const nodeIdSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a node id is 1-64 letters, digits, "_", "-" or "."');
/** Same shape as a `{{placeholder}}` name, so a collected value can be used in later texts. */
export const variableNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, 'a variable name starts with a letter or "_"');
/** What the agent says; may hold `{{variable}}` placeholders. */
const spokenText = z.string().trim().min(1).max(2_000);
const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** A test on a variable; every condition given must hold. */
export const conditionSchema = z.strictObject({
  equals: scalar.optional(),
  in: z.array(scalar).min(1).optional(),
  gt: z.number().optional(),
  gte: z.number().optional(),
  lt: z.number().optional(),
  lte: z.number().optional(),
  /** Case-insensitive substring of the value as text. */
  contains: z.string().min(1).optional(),
  /** True: the variable has a value; false: it has none. */
  exists: z.boolean().optional(),
});
export type Condition = z.infer<typeof conditionSchema>;

const conditionKeys = ['equals', 'in', 'gt', 'gte', 'lt', 'lte', 'contains', 'exists'] as const;
const hasCondition = (value: Record<string, unknown>): boolean => conditionKeys.some((key) => value[key] !== undefined);

export const sayNodeSchema = z.strictObject({ type: z.literal('say'), text: spokenText, next: nodeIdSchema });

export const choiceOptionSchema = z.strictObject({
  value: z.string().trim().min(1).max(200),
  synonyms: z.array(z.string().trim().min(1).max(200)).max(50).optional(),
});

export const askNodeSchema = z.strictObject({
  type: z.literal('ask'),
  text: spokenText,
  expect: z.enum(answerKinds),
  /** The options of a `choice` question; keypad digit n picks the n-th. */
  choices: z.array(choiceOptionSchema).min(1).max(20).optional(),
  /** Where the answer is stored and under which name it is collected. */
  variable: variableNameSchema,
  /**
   * A keypad entry of this many keys is whole without `#` (a 4-digit PIN), as Twilio's `numDigits`.
   * Without it a yes/no or a choice of up to nine takes one key, anything else ends on `#` or a pause.
   */
  num_digits: z.number().int().min(1).max(32).optional(),
  /** Said instead of `text` after an answer that was not understood. */
  reprompt: spokenText.optional(),
  /** Answers the contact gets before `on_fail`; default 2. */
  max_attempts: z.number().int().min(1).max(10).default(2),
  next: nodeIdSchema.optional(),
  /** yes_no: `yes`, `no`, `unclear`; choice: a choice value or `default`. */
  branches: z.record(z.string(), nodeIdSchema).optional(),
  /** Where to go once the attempts are used up; without it the call ends politely. */
  on_fail: nodeIdSchema.optional(),
});

export const branchCaseSchema = conditionSchema
  .extend({ next: nodeIdSchema })
  .refine(hasCondition, 'a case needs at least one condition (equals, in, gt, gte, lt, lte, contains, exists)');

export const branchNodeSchema = z.strictObject({
  type: z.literal('branch'),
  /** The variable tested: a collected value or one of the call's variables. */
  on: variableNameSchema,
  cases: z.array(branchCaseSchema).min(1).max(50),
  default: nodeIdSchema,
});

export const setNodeSchema = z.strictObject({
  type: z.literal('set'),
  variable: variableNameSchema,
  /** A string value is a template. */
  value: scalar,
  next: nodeIdSchema,
});

export const transferNodeSchema = z.strictObject({
  type: z.literal('transfer'),
  /** E.164 number or SIP address; may be a template. */
  to: z.string().trim().min(1).max(200),
  text: spokenText.optional(),
  reason: z.string().trim().min(1).max(100).optional(),
  /** cold (hand over) or warm (brief the target first); default cold. */
  mode: z.enum(['cold', 'warm']).default('cold'),
  /** Where the flow goes when a warm transfer does not connect; without it the agent says so and ends. */
  on_failure: nodeIdSchema.optional(),
});

export const endNodeSchema = z.strictObject({
  type: z.literal('end'),
  text: spokenText.optional(),
  /** Recorded as the end_call reason; default `completed`. */
  reason: z.string().trim().min(1).max(100).default('completed'),
});

export const flowNodeSchema = z.discriminatedUnion('type', [
  sayNodeSchema,
  askNodeSchema,
  branchNodeSchema,
  setNodeSchema,
  transferNodeSchema,
  endNodeSchema,
]);

export const flowSchema = z.strictObject({
  start: nodeIdSchema,
  nodes: z.record(nodeIdSchema, flowNodeSchema).refine((nodes) => Object.keys(nodes).length > 0, 'a flow needs at least one node'),
  /** Values for placeholders the call does not fill (after the agent's own defaults). */
  defaults: z.record(variableNameSchema, z.string().max(500)).optional(),
  /** Said when the call must wrap up (maximum duration, inactivity). */
  goodbye: spokenText.optional(),
  /** Said when an answer is never understood and the ask has no `on_fail`. */
  fallback: spokenText.optional(),
  /** Left on an answering machine; without it the call just ends. */
  voicemail: spokenText.optional(),
});

export type FlowNode = z.infer<typeof flowNodeSchema>;
export type AskNode = z.infer<typeof askNodeSchema>;
export type BranchNode = z.infer<typeof branchNodeSchema>;
export type Flow = z.infer<typeof flowSchema>;
/** The flow as written by a person or a client (defaults not yet applied). */
export type FlowInput = z.input<typeof flowSchema>;

export const flowNodeTypes = ['say', 'ask', 'branch', 'set', 'transfer', 'end'] as const;
export type FlowNodeType = (typeof flowNodeTypes)[number];

/** The settings of a flow agent; other keys (outcome, llm) belong to other modules and pass through. */
export const flowSettingsSchema = z.looseObject({
  kind: z.literal('flow'),
  flow: flowSchema,
  /** IANA timezone for dates when the call gives no `timezone` variable. */
  timezone: z.string().optional(),
});

/** True when an agent's settings say it is a flow agent (whether or not its flow is valid). */
export function isFlowSettings(settings: Readonly<Record<string, unknown>>): boolean {
  return settings.kind === 'flow';
}
