/** After a call: summary, structured outcome and tags, stored on the call (and again on request). */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../store/database.js';
import { callEvents, calls } from '../store/schema.js';
import type { Logger } from '../shared/logger.js';
import type { AgentService } from '../agents/agent-service.js';
import type { ConversationTurn } from '../brain/types.js';
import { analyzeCall, type CallAnalysis } from '../brain/outcome/index.js';
import type { LlmResolution } from '../llm/registry.js';
import type { CallService } from './call-service.js';
import type { CallRow } from './call-view.js';

/** A model's analysis gets this long before the attempt fails (and the job is retried). */
const analysisTimeoutMs = 60_000;

/** Reasons a call ends without anyone to talk to: nothing to analyse. */
const machineEndReasons: ReadonlySet<string> = new Set(['voicemail_detected', 'voicemail_message_left']);

/**
 * Whether the call had a conversation: a person answered and said something. A busy line, no
 * answer, a voicemail (or a message left on one) and a hang-up before the contact spoke have
 * nothing to analyse, and analysing them would only store an outcome the schema refuses.
 */
export function hadConversation(call: Pick<CallRow, 'answeredAt' | 'answeredBy' | 'status' | 'endReason' | 'transcript'>): boolean {
  if (call.answeredAt === null || call.status === 'voicemail' || call.answeredBy === 'machine') return false;
  if (call.endReason && machineEndReasons.has(call.endReason)) return false;
  return (call.transcript as { role?: unknown; text?: unknown }[]).some((turn) => turn.role === 'contact' && typeof turn.text === 'string' && turn.text.trim() !== '');
}

/** The model failed in a way worth another try later: nothing was stored. */
export class AnalysisRetryableError extends Error {
  constructor(readonly details: unknown) {
    super('the model failed to analyse the call; the analysis will be retried');
    this.name = 'AnalysisRetryableError';
  }
}

export interface AnalyzeOptions {
  /** Aborts the attempt (shutdown); the job is retried by whichever process runs next. */
  readonly signal?: AbortSignal;
  /** Throw AnalysisRetryableError for a retryable model failure instead of storing it (not the last attempt). */
  readonly retryFailures?: boolean;
}

export class CallAnalyzer {
  constructor(
    private readonly db: Db,
    private readonly callService: CallService,
    private readonly agents: AgentService,
    private readonly llmFor: (settings: Readonly<Record<string, unknown>>) => LlmResolution,
    private readonly log: Logger,
  ) {}

  /** Whether a call has anything to analyse: it had a conversation. */
  shouldAnalyze(call: CallRow): boolean {
    return hadConversation(call);
  }

  async analyze(call: CallRow, options: AnalyzeOptions = {}): Promise<CallRow> {
    const agentRow = await this.agents.getForCall(call.agentId);
    if (!agentRow) return call;
    const spec = this.agents.spec(agentRow);
    const collected = await this.collected(call.id);
    const llm = spec.settings.kind === 'flow' ? undefined : this.llmFor(spec.settings);
    const timeout = AbortSignal.timeout(analysisTimeoutMs);
    const result = await analyzeCall({
      settings: spec.settings,
      transcript: call.transcript as ConversationTurn[],
      collected,
      variables: call.variables,
      ...(llm?.ok ? { llm: { provider: llm.provider, model: llm.model } } : {}),
      signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
    });
    const failure = result.error?.code === 'ANALYSIS_FAILED' ? (result.error.details as { retryable?: boolean }) : undefined;
    if (options.retryFailures && failure?.retryable) throw new AnalysisRetryableError(failure);
    return this.store(call, result);
  }

  /** Stores that the analysis could not be made (its retries are used up). */
  async storeFailure(call: CallRow, error: unknown): Promise<CallRow> {
    return this.store(call, {
      summary: null, outcome: null, tags: [], droppedTags: [],
      error: { code: 'ANALYSIS_FAILED', message: 'The call could not be analysed', details: { reason: error instanceof Error ? error.name : 'unknown', retryable: false } },
    });
  }

  private async store(call: CallRow, result: CallAnalysis): Promise<CallRow> {
    const analysis = {
      summary: result.summary,
      tags: result.tags,
      dropped_tags: result.droppedTags,
      error: result.error,
      analyzed_at: new Date().toISOString(),
    };
    if (result.error) this.log.warn({ callId: call.id, code: result.error.code }, 'call analysis stored an error');
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .update(calls)
        // Merged: keys the analysis does not own (the voice pipeline's `latency`) stay.
        .set({ outcome: result.outcome, analysis: sql`coalesce(${calls.analysis}, '{}'::jsonb) || ${JSON.stringify(analysis)}::jsonb`, updatedAt: new Date() })
        .where(eq(calls.id, call.id))
        .returning();
      await this.callService.emitEventIn(tx, row!, 'call.analyzed', { ok: result.error === null, tags: result.tags });
      return row!;
    });
  }

  /** Values the agent collected during the call, last one wins. */
  private async collected(callId: string): Promise<Record<string, unknown>> {
    const rows = await this.db
      .select({ data: callEvents.data })
      .from(callEvents)
      .where(and(eq(callEvents.callId, callId), eq(callEvents.type, 'agent.collected')))
      .orderBy(asc(callEvents.id));
    const values: Record<string, unknown> = {};
    for (const { data } of rows) if (typeof data.name === 'string') values[data.name] = data.value;
    return values;
  }
}
