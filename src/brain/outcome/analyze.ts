/** Post-call analysis: summary, structured outcome checked against its schema, and tags from the agent's list. */
import { ProviderError } from '../../shared/errors.js';
import { completeJson, type LlmBinding } from '../nlu/llm-json.js';
import type { ConversationTurn, Variables } from '../types.js';
import { outcomeFromValues, summarizeOffline, tagsByRules } from './offline.js';
import { outcomeErrors } from './outcome-validator.js';
import { parseOutcomeSettings, type OutcomeSettings } from './settings.js';

export const analysisErrorCodes = ['OUTCOME_SETTINGS_INVALID', 'OUTCOME_INVALID', 'ANALYSIS_NOT_JSON', 'ANALYSIS_FAILED'] as const;
export type AnalysisErrorCode = (typeof analysisErrorCodes)[number];

export interface AnalysisError {
  readonly code: AnalysisErrorCode;
  readonly message: string;
  readonly details: unknown;
}

export interface AnalyzeCallInput {
  /** The agent's settings; `settings.outcome` says what to produce. */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly transcript: readonly ConversationTurn[];
  /** Values the agent collected (flow `collected` events), by name. */
  readonly collected?: Readonly<Record<string, unknown>>;
  /** The call's variables: a fallback source for outcome fields without a model. */
  readonly variables?: Variables;
  /** With a model, the analysis is its structured output; without one it is built offline. */
  readonly llm?: LlmBinding;
  readonly signal?: AbortSignal;
}

/** The analysis stored on the call. An outcome that fails its schema is never returned: it is in `error.details.raw`. */
export interface CallAnalysis {
  readonly summary: string | null;
  readonly outcome: Record<string, unknown> | null;
  readonly tags: string[];
  /** Tags the model gave that are not in the agent's list, dropped. */
  readonly droppedTags: string[];
  readonly error: AnalysisError | null;
}

const empty: CallAnalysis = { summary: null, outcome: null, tags: [], droppedTags: [], error: null };

/**
 * Analyses a finished call. Never throws for a bad model reply or a provider failure: those come
 * back as `error` (ANALYSIS_FAILED carries `retryable` so the caller can try again later).
 */
export async function analyzeCall(input: AnalyzeCallInput): Promise<CallAnalysis> {
  const parsed = parseOutcomeSettings(input.settings.outcome);
  if (!parsed.ok) {
    return { ...empty, error: { code: 'OUTCOME_SETTINGS_INVALID', message: 'The agent\'s outcome settings are not valid', details: { problems: parsed.problems } } };
  }
  const settings = parsed.settings;
  const collected = input.collected ?? {};
  return input.llm ? analyzeWithModel(input, input.llm, settings, collected) : analyzeOffline(input, settings, collected);
}

function analyzeOffline(input: AnalyzeCallInput, settings: OutcomeSettings, collected: Readonly<Record<string, unknown>>): CallAnalysis {
  const values = { ...input.variables, ...collected };
  const summary = settings.summary ? summarizeOffline(input.transcript, collected) : null;
  const tags = tagsByRules(settings, values);
  if (!settings.schema) {
    const outcome = Object.keys(collected).length > 0 ? { ...collected } : null;
    return { summary, outcome, tags, droppedTags: [], error: null };
  }
  return { summary, tags, droppedTags: [], ...checked(settings.schema, outcomeFromValues(settings.schema, values, settings.mapping)) };
}

async function analyzeWithModel(
  input: AnalyzeCallInput,
  llm: LlmBinding,
  settings: OutcomeSettings,
  collected: Readonly<Record<string, unknown>>,
): Promise<CallAnalysis> {
  const properties: Record<string, unknown> = {};
  if (settings.summary) properties.summary = { type: 'string', description: 'Two or three sentences on what happened in the call' };
  if (settings.schema) properties.outcome = settings.schema;
  if (settings.tags.length > 0) {
    properties.tags = { type: 'array', items: { type: 'string', enum: settings.tags.map((tag) => tag.name) }, description: 'Every tag that applies' };
  }
  if (Object.keys(properties).length === 0) return empty;

  let reply;
  try {
    reply = await completeJson(
      llm,
      {
        messages: [
          { role: 'system', content: instructions(settings) },
          { role: 'user', content: conversationText(input.transcript, collected) },
        ],
        temperature: 0,
        jsonSchema: { name: 'call_analysis', schema: { type: 'object', properties, required: Object.keys(properties) } },
      },
      input.signal ?? new AbortController().signal,
    );
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    return {
      ...empty,
      error: {
        code: 'ANALYSIS_FAILED',
        message: 'The model failed to analyse the call',
        details: { provider: error.provider, category: error.category, retryable: error.retryable, statusCode: error.statusCode ?? null },
      },
    };
  }
  if (!reply.ok || typeof reply.value !== 'object' || reply.value === null || Array.isArray(reply.value)) {
    return { ...empty, error: { code: 'ANALYSIS_NOT_JSON', message: 'The model did not answer with a JSON object', details: { raw: reply.ok ? reply.value : reply.raw } } };
  }
  const answer = reply.value as Record<string, unknown>;
  const summary = settings.summary && typeof answer.summary === 'string' && answer.summary.trim() ? answer.summary.trim() : null;
  const { tags, droppedTags } = filterTags(answer.tags, settings);
  if (!settings.schema) return { summary, outcome: null, tags, droppedTags, error: null };
  return { summary, tags, droppedTags, ...checked(settings.schema, answer.outcome) };
}

/** The outcome if it fits its schema, else null with OUTCOME_INVALID holding ajv's messages and the raw value. */
function checked(schema: object, value: unknown): Pick<CallAnalysis, 'outcome' | 'error'> {
  const errors = outcomeErrors(schema, value);
  if (errors.length === 0) return { outcome: value as Record<string, unknown>, error: null };
  return { outcome: null, error: { code: 'OUTCOME_INVALID', message: 'The outcome does not match the agent\'s outcome schema', details: { errors, raw: value ?? null } } };
}

function filterTags(raw: unknown, settings: OutcomeSettings): { tags: string[]; droppedTags: string[] } {
  const allowed = new Set(settings.tags.map((tag) => tag.name));
  const given = Array.isArray(raw) ? raw.filter((tag): tag is string => typeof tag === 'string') : [];
  const tags = [...new Set(given.filter((tag) => allowed.has(tag)))];
  const droppedTags = [...new Set(given.filter((tag) => !allowed.has(tag)))];
  return { tags, droppedTags };
}

function instructions(settings: OutcomeSettings): string {
  const parts = ['You analyse a finished phone call between an AI agent and a contact. Reply with one JSON object only.'];
  if (settings.summary) parts.push('"summary": a short neutral summary of what happened.');
  if (settings.schema) parts.push('"outcome": the facts the schema asks for, taken only from the conversation; use null where allowed when unknown.');
  if (settings.tags.length > 0) {
    const list = settings.tags.map((tag) => `- ${tag.name}${tag.description ? `: ${tag.description}` : ''}`).join('\n');
    parts.push(`"tags": the tags that apply, only from this list:\n${list}`);
  }
  return parts.join('\n');
}

function conversationText(transcript: readonly ConversationTurn[], collected: Readonly<Record<string, unknown>>): string {
  const lines = transcript.map((turn) => `${turn.role === 'agent' ? 'Agent' : 'Contact'}: ${turn.text}${turn.interrupted ? ' [interrupted]' : ''}${turn.input === 'keypad' ? ' [keyed on the keypad]' : ''}`);
  const facts = Object.keys(collected).length > 0 ? `\n\nValues the agent collected: ${JSON.stringify(collected)}` : '';
  return `Transcript:\n${lines.join('\n') || '(nothing was said)'}${facts}`;
}
