/** Analysis with no model (flow agents): outcome from collected values, a plain summary, tags by rules. */
import { matchesCondition } from '../flow/conditions.js';
import type { ConversationTurn } from '../types.js';
import type { OutcomeSchema, OutcomeSettings } from './settings.js';

/** Longest quote of a turn kept in a summary; a summary is a glance, the transcript has the rest. */
const maxQuoteChars = 120;
/** Question/answer pairs kept in a summary. */
const maxExchanges = 5;

/**
 * The outcome object from collected values (then call variables) by field name or `mapping`.
 * Values are coerced to the field's type where the meaning is plain ("true" -> true, "42" -> 42);
 * a missing field is null when the schema allows null, else left out for the schema check to name.
 */
export function outcomeFromValues(
  schema: OutcomeSchema,
  values: Readonly<Record<string, unknown>>,
  mapping: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const properties = (schema.properties ?? {}) as Record<string, { type?: unknown }>;
  const outcome: Record<string, unknown> = {};
  for (const [field, property] of Object.entries(properties)) {
    const types = Array.isArray(property.type) ? (property.type as unknown[]) : [property.type];
    const value = values[mapping[field] ?? field];
    if (value === undefined || value === null) {
      if (types.includes('null')) outcome[field] = null;
      continue;
    }
    outcome[field] = coerce(value, types);
  }
  return outcome;
}

function coerce(value: unknown, types: readonly unknown[]): unknown {
  if (types.includes(typeof value)) return value;
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (types.includes('boolean') && (text === 'true' || text === 'false')) return text === 'true';
    if ((types.includes('number') || types.includes('integer')) && text !== '' && Number.isFinite(Number(text))) return Number(text);
  }
  if (types.includes('string') && (typeof value === 'number' || typeof value === 'boolean')) return String(value);
  return value;
}

/** Tags whose rules hold for the values; rules naming no listed tag were refused when settings were read. */
export function tagsByRules(settings: OutcomeSettings, values: Readonly<Record<string, unknown>>): string[] {
  const tags = settings.tagRules
    .filter((rule) => Object.entries(rule.when).every(([variable, condition]) => matchesCondition(values[variable], condition)))
    .map((rule) => rule.tag);
  return [...new Set(tags)];
}

/**
 * A plain summary from the transcript: each question the agent asked with the contact's reply,
 * then the values collected: `The agent asked "Can you make it?" and the contact said "Yes."
 * Collected: confirmed: yes.`
 */
export function summarizeOffline(transcript: readonly ConversationTurn[], collected: Readonly<Record<string, unknown>>): string {
  const sentences: string[] = [];
  const contactTurns = transcript.filter((turn) => turn.role === 'contact' && turn.text.trim());
  if (transcript.length === 0) sentences.push('Nothing was said.');
  else if (contactTurns.length === 0) sentences.push('The contact did not speak.');

  const exchanges: string[] = [];
  for (let i = 0; i < transcript.length - 1 && exchanges.length < maxExchanges; i++) {
    const turn = transcript[i]!;
    const reply = transcript[i + 1]!;
    if (turn.role !== 'agent' || reply.role !== 'contact' || !reply.text.trim()) continue;
    const answer = quote(reply.text);
    // American style: a quote that ends a sentence carries the period inside it.
    exchanges.push(`The agent asked "${quote(lastQuestion(turn.text))}" and the contact said "${answer}${/[.!?…]$/.test(answer) ? '' : '.'}"`);
  }
  sentences.push(...exchanges);

  const entries = Object.entries(collected).filter(([, value]) => value !== undefined);
  if (entries.length > 0) sentences.push(`Collected: ${entries.map(([name, value]) => `${name.replace(/_/g, ' ')}: ${describe(value)}`).join('; ')}.`);
  return sentences.join(' ');
}

/** The last question in an agent turn, else its last sentence. */
function lastQuestion(text: string): string {
  const sentences = text.trim().split(/(?<=[.!?])\s+/);
  return [...sentences].reverse().find((sentence) => sentence.endsWith('?')) ?? sentences.at(-1) ?? '';
}

function quote(text: string): string {
  const flat = text.trim().replace(/\s+/g, ' ');
  return flat.length <= maxQuoteChars ? flat : `${flat.slice(0, maxQuoteChars - 1)}…`;
}

function describe(value: unknown): string {
  if (value === true) return 'yes';
  if (value === false) return 'no';
  if (value === null) return 'none';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
