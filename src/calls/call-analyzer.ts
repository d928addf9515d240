/** After a call: summary, structured outcome and tags, stored on the call (and again on request). */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../store/database.js';
import { callEvents, calls } from '../store/schema.js';
import type { Logger } from '../shared/logger.js';
import type { AgentService } from '../agents/agent-service.js';
import type { ConversationTurn } from '../brain/types.js';
import { analyzeCall } from '../brain/outcome/index.js';
import type { LlmResolution } from '../llm/registry.js';
import type { CallService } from './call-service.js';
import type { CallRow } from './call-view.js';

/** A model's analysis gets this long before the call keeps an error instead. */
const analysisTimeoutMs = 60_000;

export class CallAnalyzer {
  constructor(
    private readonly db: Db,
    private readonly callService: CallService,
    private readonly agents: AgentService,
    private readonly llmFor: (settings: Readonly<Record<string, unknown>>) => LlmResolution,
    private readonly log: Logger,
  ) {}

  /** Whether a call has anything to analyse: it was answered. */
  shouldAnalyze(call: CallRow): boolean {
    return call.answeredAt !== null;
  }

  async analyze(call: CallRow): Promise<CallRow> {
    const agentRow = await this.agents.getForCall(call.agentId);
    if (!agentRow) return call;
    const spec = this.agents.spec(agentRow);
    const collected = await this.collected(call.id);
    const llm = spec.settings.kind === 'flow' ? undefined : this.llmFor(spec.settings);
    const result = await analyzeCall({
      settings: spec.settings,
      transcript: call.transcript as ConversationTurn[],
      collected,
      variables: call.variables,
      ...(llm?.ok ? { llm: { provider: llm.provider, model: llm.model } } : {}),
      signal: AbortSignal.timeout(analysisTimeoutMs),
    });
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
      await this.callService.emitEventIn(tx as unknown as Db, row!, 'call.analyzed', { ok: result.error === null, tags: result.tags });
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
