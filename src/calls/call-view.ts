/** The call as the API shows it. */
import type { calls } from '../store/schema.js';

export type CallRow = typeof calls.$inferSelect;

export interface CallView {
  readonly id: string;
  readonly status: string;
  readonly end_reason: string | null;
  readonly agent_id: string;
  readonly contact_id: string | null;
  readonly to: string;
  readonly from: string;
  readonly carrier: string;
  readonly variables: Record<string, string | number | boolean>;
  readonly metadata: Record<string, unknown>;
  readonly webhook_url: string | null;
  readonly scheduled_for: string | null;
  /** Why a queued call waits past its time (`calling_window`, `campaign_schedule`, `daily_cap`), and until when. */
  readonly held_reason: string | null;
  readonly held_until: string | null;
  /** The campaign a call belongs to, and which attempt at its contact it is. */
  readonly campaign_id: string | null;
  readonly attempt: number | null;
  readonly max_duration_s: number;
  readonly answered_by: string | null;
  readonly created_at: string;
  readonly updated_at: string;
  readonly dialed_at: string | null;
  readonly answered_at: string | null;
  readonly ended_at: string | null;
  readonly duration_s: number | null;
  readonly transcript: unknown[];
  readonly outcome: Record<string, unknown> | null;
  readonly summary: string | null;
  readonly tags: string[];
  readonly analysis: Record<string, unknown> | null;
  /** The transfer, once tried: to, mode, reason, outcome, leg_duration_s. */
  readonly transfer: Record<string, unknown> | null;
  /** Answering-machine detection: verdict, source, reason, time_to_verdict_ms. */
  readonly amd: Record<string, unknown> | null;
  /** Where the two-channel WAV is served, once it is ready. */
  readonly recording_url: string | null;
  readonly recording: Record<string, unknown> | null;
}

interface StoredTurn {
  readonly role: string;
  readonly text: string;
  readonly offsetMs: number;
  readonly interrupted?: boolean;
  readonly input?: string;
}

/** A transcript turn in API spelling: `{role, text, offset_ms, interrupted?, input?}`; `input: "keypad"` marks keys the contact pressed. */
export function transcriptTurnView(turn: StoredTurn) {
  return {
    role: turn.role, text: turn.text, offset_ms: turn.offsetMs,
    ...(turn.interrupted ? { interrupted: true } : {}),
    ...(turn.input === 'keypad' ? { input: 'keypad' } : {}),
  };
}

/**
 * Turns by when each began. They are stored as they ended: a callee's words heard while the
 * greeting was held reach the record after the greeting that answered them, though they began
 * first. Turns that began together keep their stored order.
 */
function inTimeOrder(turns: readonly StoredTurn[]): StoredTurn[] {
  return [...turns].sort((a, b) => (a.offsetMs ?? 0) - (b.offsetMs ?? 0));
}

/** The API path of a call's recording. */
export function recordingPath(callId: string): string {
  return `/v1/calls/${callId}/recording`;
}

/**
 * Where a call's finished recording is: an absolute URL when the server knew its public base URL
 * (PARLEY_PUBLIC_URL) as the recording finished, else the API path on this server.
 */
export function recordingUrlOf(row: Pick<CallRow, 'id' | 'recording'>): string | null {
  const status = row.recording?.['status'];
  if (status !== 'ready' && status !== 'repaired') return null;
  const url = row.recording?.['url'];
  return typeof url === 'string' && url ? url : recordingPath(row.id);
}

/**
 * The recording as clients see it: its state, not where the storage keeps it (key, folders),
 * and its `url` the same as the call's `recording_url` (stored only when a public base URL was set).
 */
export function recordingView(row: Pick<CallRow, 'id' | 'recording'>): Record<string, unknown> | null {
  if (!row.recording) return null;
  const { key: _key, folder: _folder, writer_folder: _writer, ...shown } = row.recording;
  return { ...shown, url: recordingUrlOf(row) };
}

const iso = (date: Date | null): string | null => date?.toISOString() ?? null;

export function callView(row: CallRow): CallView {
  return {
    id: row.id,
    status: row.status,
    end_reason: row.endReason,
    agent_id: row.agentId,
    contact_id: row.contactId,
    to: row.toNumber,
    from: row.fromNumber,
    carrier: row.carrier,
    variables: row.variables,
    metadata: row.metadata,
    webhook_url: row.webhookUrl,
    scheduled_for: iso(row.scheduledFor),
    held_reason: row.status === 'queued' ? row.heldReason : null,
    held_until: row.status === 'queued' && row.heldReason ? iso(row.dueAt) : null,
    campaign_id: row.campaignId,
    attempt: row.attempt,
    max_duration_s: row.maxDurationS,
    answered_by: row.answeredBy,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    dialed_at: iso(row.dialedAt),
    answered_at: iso(row.answeredAt),
    ended_at: iso(row.endedAt),
    duration_s: row.durationS,
    transcript: inTimeOrder(row.transcript as StoredTurn[]).map(transcriptTurnView),
    outcome: row.outcome ?? null,
    summary: (row.analysis?.summary as string | null | undefined) ?? null,
    tags: (row.analysis?.tags as string[] | undefined) ?? [],
    analysis: row.analysis ?? null,
    transfer: row.transfer ?? null,
    amd: row.amd ?? null,
    recording_url: recordingUrlOf(row),
    recording: recordingView(row),
  };
}
