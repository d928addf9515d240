/**
 * What the phone line did to a call beyond its status: the transfer, the answering-machine
 * verdict, the recording. Each is kept on the call row (so `GET /v1/calls/{id}` shows it) and,
 * when a receiver cares, raised as a webhook event in the same transaction.
 */
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../store/database.js';
import { calls } from '../store/schema.js';
import type { CallService } from './call-service.js';
import { recordingUrlOf, type CallRow } from './call-view.js';

/** A transfer as the call keeps it (API spelling); a type, not an interface, so it is a JSON record as it stands. */
export type TransferRecord = {
  readonly to: string;
  readonly mode: 'cold' | 'warm';
  readonly reason: string | null;
  /** pending (in flight), then answered (connected) | busy | no_answer | declined | failed | canceled | unknown (the call ended before the carrier said) */
  readonly outcome: string;
  /** How long the transfer leg lasted once answered, when known. */
  readonly leg_duration_s: number | null;
  readonly started_at: string;
  readonly ended_at: string | null;
};

/** The answering-machine verdict as the call keeps it. */
export type AmdRecord = {
  readonly verdict: 'human' | 'machine' | 'unknown';
  /** parley (its own detector) or carrier (Twilio's AMD; the simulated network knows). */
  readonly source: 'parley' | 'carrier';
  readonly reason: string | null;
  readonly time_to_verdict_ms: number | null;
  /** When a message was left: what cued it (beep, silence, timeout) and when. */
  readonly message_cue?: { readonly reason: string; readonly at_ms: number } | null;
  /** A beep after a message cued by anything else (ms after the answer): the message is said (again, if it had started) after it. */
  readonly late_beep_at_ms?: number;
  /** Parley's second look turned its earlier `human` into this machine (a short greeting's beep). */
  readonly revised?: boolean;
};

/**
 * A recording's states: `recording` while written (or while its bytes wait for a later upload);
 * then `ready`, `repaired` (finished after a crash from what reached the disk) or `failed`
 * (nothing usable was stored); `deleted` last.
 */
export const recordingStatuses = ['recording', 'ready', 'repaired', 'failed', 'deleted'] as const;
export type RecordingStatus = (typeof recordingStatuses)[number];

/** A recording as the call keeps it. `key`, `folder` and `writer_folder` are the storage's, never shown. */
export type RecordingRecord = {
  readonly key: string;
  readonly status: RecordingStatus;
  readonly size_bytes: number | null;
  readonly duration_ms: number | null;
  readonly started_at: string;
  readonly ready_at: string | null;
  /** Absolute URL of the finished recording, when the server knows its public base URL. */
  readonly url?: string | null;
  /** Id of the folder the finished file is in; absent when every process reaches it (a bucket). */
  readonly folder?: string;
  /** Id of the folder it was written to: only processes sharing it can finish what a crash left. */
  readonly writer_folder?: string;
};

export class CallLineRecords {
  constructor(
    private readonly db: Db,
    private readonly calls: CallService,
  ) {}

  /** Stores the transfer; `event` (call.transfer_started, call.transferred) is recorded with it. */
  async transfer(callId: string, transfer: TransferRecord, event: 'call.transfer_started' | 'call.transferred'): Promise<CallRow | null> {
    return this.update(callId, { transfer }, event, { ...transfer });
  }

  /**
   * Stores a verdict that came after the answer (and `answered_by` with it), or merges a later
   * message cue into the verdict; `call.amd` raises the webhook, with the call as it now is. (A
   * verdict known at answer goes on record with `call.answered`, which carries it.)
   */
  async amd(callId: string, amd: Partial<AmdRecord>): Promise<CallRow | null> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .update(calls)
        .set({ amd: sql`coalesce(${calls.amd}, '{}'::jsonb) || ${JSON.stringify(amd)}::jsonb`, ...(amd.verdict ? { answeredBy: amd.verdict } : {}), updatedAt: new Date() })
        .where(eq(calls.id, callId))
        .returning();
      if (row) await this.calls.emitEventIn(tx, row, 'call.amd', { ...amd });
      return row ?? null;
    });
  }

  /**
   * Stores the recording's state; `call.recording_ready` / `call.recording_failed` raise the webhook. The event says what
   * a reader of the call's events needs (where to fetch it, how long it is), not where the
   * storage keeps it.
   */
  async recording(callId: string, recording: RecordingRecord, event?: 'call.recording_ready' | 'call.recording_failed'): Promise<CallRow | null> {
    const { status, size_bytes, duration_ms, started_at, ready_at } = recording;
    return this.update(callId, { recording }, event, {
      status, size_bytes, duration_ms, started_at, ready_at, recording_url: recordingUrlOf({ id: callId, recording }),
    });
  }

  /** The call asked for a recording and has none (`reason`: `no_audio`, its line carried none). */
  async noRecording(callId: string, reason: 'no_audio'): Promise<CallRow | null> {
    return this.update(callId, { recording: null }, 'call.recording_unavailable', { reason });
  }

  private async update(
    callId: string,
    fields: Partial<Pick<CallRow, 'transfer' | 'recording'>>,
    event: string | undefined,
    data: Record<string, unknown>,
  ): Promise<CallRow | null> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.update(calls).set({ ...fields, updatedAt: new Date() }).where(eq(calls.id, callId)).returning();
      if (row && event) await this.calls.emitEventIn(tx, row, event, data);
      return row ?? null;
    });
  }
}
