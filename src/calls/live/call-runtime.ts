/**
 * The calls this process holds: claims and dials them for the dispatcher, turns carrier events
 * into status transitions, drives the conversation lane of the answered line (prewarming the
 * voice lane while the phone rings), renews leases, honours cancels, and fails calls whose worker
 * vanished. Every call it touches ends terminal.
 */
import type { Db } from '../../store/database.js';
import type { Logger } from '../../shared/logger.js';
import type { ConversationEngine } from '../../brain/types.js';
import type { CallControl, HostedCall, PrewarmingHost } from '../../conversation/host.js';
import { carrierEnd, endOf, type CallEnd, type Lane } from '../../conversation/outcome.js';
import { TextLane } from '../../conversation/text-lane.js';
import type { AudioLine } from '../../media/audio-line.js';
import { realLineClock } from '../../media/line-clock.js';
import type { Carrier, CarrierEvent, CallLine } from '../../telephony/types.js';
import type { AgentRow, AgentService } from '../../agents/agent-service.js';
import type { ClaimRound, SchedulerHandlers } from '../../dispatch/scheduler.js';
import type { CallService } from '../call-service.js';
import type { PhoneNumberService } from '../../numbers/phone-number-service.js';
import type { TerminalStatus } from '../call-status.js';
import type { CallRow } from '../call-view.js';
import { claimDirectCall, claimRound, expiredLeases, nextCallDueAt, orgsWithDueCalls, renewLeases, type LaneSource } from './call-claim.js';
import { TransferDesk, allowedTransferNumbers, coldLegFailed, type TransferResult, type TransferState } from './transfers.js';
import { CallLineRecords, type AmdRecord, type TransferRecord } from '../call-line-records.js';
import { AnswerDetection } from './answer-detection.js';
import { AnsweringMachineDetector } from '../../voice/audio/answering-machine.js';
import { detectionFor, type AnswerVerdict } from '../../conversation/voicemail.js';
import { recordingSettingsOf, type CallRecordings } from '../call-recordings.js';
import { renderTemplate } from '../../brain/template.js';

const heartbeatMs = 5_000;
const sweepMs = 15_000;

/** Runs after a call ends terminal (outcome analysis plugs in here). */
export type CallEndedHook = (call: CallRow) => Promise<void>;

export interface CallRuntimeOptions {
  readonly db: Db;
  /** Where claim rounds run (the store's own connections for them); `db` when absent. */
  readonly claimDb?: Db;
  readonly calls: CallService;
  readonly agents: AgentService;
  /** The organisations' own numbers: a transfer to one would call Parley. */
  readonly numbers: PhoneNumberService;
  readonly carriers: ReadonlyMap<string, Carrier>;
  readonly engine: ConversationEngine;
  /** Queue lanes besides the single calls (campaigns). */
  readonly laneSources?: readonly LaneSource[];
  readonly workerId: string;
  readonly defaultConcurrency: number;
  readonly log: Logger;
  /** The voice lane, for carriers whose lines carry audio; without it such a call fails `audio_not_supported`. */
  readonly voice?: PrewarmingHost<AudioLine>;
  readonly onCallEnded?: CallEndedHook;
  /** Records the audio lines of calls that want it. */
  readonly recordings?: CallRecordings;
}

interface LiveCall {
  readonly call: CallRow;
  /** The agent as it was when the call was dialled: the whole call uses this version. */
  readonly agent: AgentRow | undefined;
  readonly carrier: Carrier;
  readonly abort: AbortController;
  providerCallId: string | undefined;
  answered: boolean;
  /** When the carrier said the callee answered. */
  answeredAt: Date | undefined;
  /** Who answered: the carrier's verdict or Parley's detector, and when a machine's message may start. */
  readonly answer: AnswerDetection;
  /** The answer is on record (a later verdict is stored on its own). */
  answerRecorded: boolean;
  /** The conversation writes to the call once the runtime has recorded the answer and the line. */
  lineRecorded: () => void;
  readonly lineReady: Promise<void>;
  /** What the call ends as, when the agent or a cancel decided it before the carrier reports the end. */
  endAs: CallEnd | undefined;
  cancelRequested: boolean;
  readonly transfer: TransferState;
  /** A transfer in flight: the line may end under it, and how the call ends waits for it. */
  transferring: Promise<TransferResult> | undefined;
  /** Carrier events of one call are handled strictly in order. */
  chain: Promise<void>;
}

export class CallRuntime implements SchedulerHandlers {
  private readonly live = new Map<string, LiveCall>();
  private timers: NodeJS.Timeout[] = [];
  /** Set by stop(): a dial that returns afterwards is hung up at once. */
  private stopping = false;
  private readonly text: TextLane;
  private readonly transfers: TransferDesk;
  private readonly lineRecords: CallLineRecords;

  constructor(private readonly options: CallRuntimeOptions) {
    this.text = new TextLane(options.engine);
    this.lineRecords = new CallLineRecords(options.db, options.calls);
    this.transfers = new TransferDesk({
      records: this.lineRecords,
      recordEvent: (call, type, data) => options.calls.recordEvent(call, type, data),
      isOrgNumber: async (orgId, number) => (await options.numbers.findByNumber(orgId, number)) !== undefined,
    });
    options.calls.onTransition((row) => {
      if (row.cancelRequestedAt) this.cancelLocal(row.id).catch((error: unknown) => options.log.error({ err: error, callId: row.id }, 'local cancel failed'));
    });
  }

  get liveCount(): number {
    return this.live.size;
  }

  /**
   * The sink every carrier reports to. What the conversation needs at once is taken here (who
   * answered; the line goes to its lane now, so the agent speaks the moment the carrier has it);
   * the call's record follows, one event at a time.
   */
  readonly sink = (callId: string, event: CarrierEvent): void => {
    const live = this.live.get(callId);
    if (!live) {
      // A line for a call this process does not hold (over, or never its own) is hung up, not left open.
      if (event.type === 'line') event.line.hangUp();
      return;
    }
    this.observe(live, event);
    live.chain = live.chain
      .then(() => this.handle(live, event))
      .catch((error: unknown) => this.options.log.error({ err: error, callId }, 'carrier event handling failed'));
  };

  claim(orgId: string, now: Date): Promise<ClaimRound> {
    const { db, calls, workerId, defaultConcurrency } = this.options;
    // A carrier with a clock of its own is a simulated network.
    const simulated = (carrier: string) => this.options.carriers.get(carrier)?.clock !== undefined;
    return claimRound({ db: this.options.claimDb ?? db, calls, workerId, defaultLimit: defaultConcurrency, sources: this.options.laneSources ?? [], simulated }, orgId, now);
  }

  /** Claims one call whose line is in this process (a web call), if its organisation has a free slot. */
  claimDirect(orgId: string, callId: string): Promise<'claimed' | 'busy' | 'gone'> {
    const { db, calls, workerId, defaultConcurrency } = this.options;
    return claimDirectCall({ db, calls, workerId, defaultLimit: defaultConcurrency }, orgId, callId);
  }

  async dueOrganizations(now: Date): Promise<string[]> {
    const { db } = this.options;
    const found = new Set(await orgsWithDueCalls(db, now));
    for (const source of this.options.laneSources ?? []) for (const orgId of await source.dueOrganizations(db, now)) found.add(orgId);
    return [...found];
  }

  async nextDueAt(now: Date): Promise<Date | null> {
    const { db } = this.options;
    let next = await nextCallDueAt(db, now);
    for (const source of this.options.laneSources ?? []) {
      const at = await source.nextDueAt(db, now);
      if (at && (!next || at < next)) next = at;
    }
    return next;
  }

  async dial(callId: string): Promise<void> {
    const { calls, carriers, log } = this.options;
    const call = await calls.getById(callId);
    if (!call || call.status !== 'dialing') return;
    const carrier = carriers.get(call.carrier);
    if (!carrier) {
      await calls.transition(callId, 'failed', { endReason: 'carrier_not_configured' });
      return;
    }
    const agent = await this.options.agents.getForCall(call.agentId);
    let lineRecorded = () => {};
    const lineReady = new Promise<void>((resolve) => (lineRecorded = resolve));
    const detection = detectionFor(agent?.settings.voicemail, { ...carrier.machines, audio: carrier.lines === 'audio' });
    const answer = new AnswerDetection({
      detection, clock: carrier.clock ?? realLineClock,
      detector: () => new AnsweringMachineDetector({ maxVerdictMs: agent?.settings.voicemail?.max_verdict_ms }),
      onVerdict: (verdict) => this.laterVerdict(live, verdict),
      onCue: (cue) => this.onLine(live, () => this.lineRecords.amd(callId, { message_cue: { reason: cue.reason, at_ms: cue.atMs } })),
      onLateBeep: (beep) => this.onLine(live, () => this.lineRecords.amd(callId, { late_beep_at_ms: beep.atMs })),
    });
    const live: LiveCall = {
      call, agent, carrier, abort: new AbortController(), providerCallId: undefined, answered: false, answeredAt: undefined,
      answer, answerRecorded: false, lineRecorded, lineReady, endAs: undefined, cancelRequested: false, chain: Promise.resolve(),
      transfer: { record: undefined, connectedAtMs: undefined }, transferring: undefined,
    };
    this.live.set(callId, live);
    // Expected on every line, so one that turns out to carry no audio says it could not be recorded.
    if (agent && recordingSettingsOf(call, agent.settings).enabled) this.options.recordings?.expect(call);
    // From the dial on: connecting STT and TTS and synthesising the greeting fits in the ring time.
    if (carrier.lines === 'audio' && agent && this.options.voice) this.options.voice.prewarm(this.hosted(live, agent), this.control(live));
    const timers = agent?.settings.timers ?? {};
    try {
      const { providerCallId } = await carrier.dial({
        callId, orgId: call.orgId, to: call.toNumber, from: call.fromNumber,
        ringTimeoutS: timers.ring_timeout_s ?? 30, timeLimitS: call.maxDurationS, detectVoicemail: detection === 'carrier',
        // Only a message to leave needs the greeting's end; hanging up needs only the verdict.
        awaitGreetingEnd: agent?.settings.voicemail?.action === 'leave_message',
      });
      live.providerCallId = providerCallId;
      await calls.setProviderCallId(callId, providerCallId);
      if (live.cancelRequested || this.stopping) await carrier.hangUp(providerCallId);
    } catch (error) {
      log.warn({ err: error, callId }, 'dial failed');
      this.live.delete(callId);
      this.options.voice?.discard(callId);
      await calls.transition(callId, 'failed', { endReason: 'dial_failed', eventData: { error: (error as Error).message } });
      const ended = await calls.getById(callId);
      if (ended) await this.options.onCallEnded?.(ended);
    }
  }

  /** Starts the heartbeat and the sweep of calls whose worker vanished. */
  start(): void {
    this.timers.push(setInterval(() => void this.heartbeat(), heartbeatMs), setInterval(() => void this.sweep(), sweepMs));
    this.sweep().catch((error: unknown) => this.options.log.warn({ err: error }, 'sweep failed'));
  }

  /**
   * Stops timers and hangs up what this process holds, so every call still ends terminal: a live
   * call cannot move to another process (its media is here), so it ends `failed` / `worker_lost`,
   * as it would after a crash, only at once instead of after the lease runs out. Queued calls are
   * not touched: they stay queued for the next process.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await Promise.all(
      [...this.live.values()].map(async (live) => {
        // An end already decided (a cancel, the agent's goodbye) stands.
        live.endAs ??= endOf({ kind: 'shutdown' }, laneOf(live))!;
        live.abort.abort();
        if (live.providerCallId) await live.carrier.hangUp(live.providerCallId).catch(() => undefined);
        await live.chain;
        if (this.live.has(live.call.id)) await this.finish(live, 'failed', 'worker_lost');
      }),
    );
  }

  /** Takes, at once, what the conversation needs of a carrier event. */
  private observe(live: LiveCall, event: CarrierEvent): void {
    switch (event.type) {
      case 'answered':
        live.answered = true;
        live.answeredAt ??= new Date();
        live.answer.carrierAnswered(event.answeredBy);
        return;
      case 'machine_detected':
        live.answer.carrierDetected(event.answeredBy, event.greetingEnd !== undefined ? event.greetingEnd : event.beep ? 'beep' : null, event.detail ?? null);
        return;
      case 'line': {
        if (event.line.mode === 'text') return this.attach(live, event.line);
        // Recorded from the frames it carries, when the call wants it (any carrier with audio); heard by the detector.
        const recorded = this.options.recordings?.wrap(live.call.id, event.line, live.carrier.clock ?? realLineClock) ?? event.line;
        this.attach(live, live.answer.tap(recorded));
        return;
      }
      case 'ended':
        // Nothing waits any longer for a verdict on a call that is over.
        live.answer.settle();
        return;
      default:
        return;
    }
  }

  private async handle(live: LiveCall, event: CarrierEvent): Promise<void> {
    const { calls } = this.options;
    const id = live.call.id;
    switch (event.type) {
      case 'ringing':
        await calls.transition(id, 'ringing');
        return;
      case 'answered': {
        // Parley's detector holds the greeting for at most its bound (4 s): the answer is recorded
        // with its verdict, so `call.answered` says who answered. A carrier's verdict at answer goes with it too.
        const verdict = live.answer.detection === 'parley' ? await live.answer.decided : live.answer.current;
        live.answerRecorded = true;
        const row = await calls.transition(id, 'in_progress', {
          answeredBy: verdict?.verdict ?? event.answeredBy,
          ...(live.answeredAt ? { answeredAt: live.answeredAt } : {}),
          ...(verdict ? { amd: { ...amdRecord(verdict) } } : {}),
        });
        if (row && verdict) await calls.recordEvent(row, 'call.amd', { ...amdRecord(verdict) });
        return;
      }
      case 'machine_detected':
        return;
      case 'line':
        live.lineRecorded();
        return;
      case 'transfer_ended':
        await this.transfers.legEnded(id, live.transfer, event.outcome, event.legDurationS);
        // A cold transfer whose target never took the call handed the callee to a busy tone or
        // to nobody: the call ends for that reason, not as transferred.
        if (live.transfer.record?.mode === 'cold' && coldLegFailed(event.outcome) && live.endAs?.reason === 'transferred') {
          live.endAs = { status: 'completed', reason: 'transfer_failed' };
        }
        return;
      case 'ended': {
        live.abort.abort();
        // A transfer still deciding when the carrier ended the call: its outcome goes on record first.
        await live.transferring?.catch(() => undefined);
        const { status, reason } = carrierEnd({ outcome: event.outcome, reason: event.reason, answered: live.answered }, live.endAs);
        await this.finish(live, status, reason);
        return;
      }
    }
  }

  private async finish(live: LiveCall, status: TerminalStatus, reason: string): Promise<void> {
    this.live.delete(live.call.id);
    // A transfer the carrier never closed (a cancel mid-ring, a lost report) is closed with the call.
    await this.transfers.callEnded(live.call.id, live.transfer).catch((error: unknown) => this.options.log.error({ err: error, callId: live.call.id }, 'closing the transfer failed'));
    this.options.voice?.discard(live.call.id);
    this.options.recordings?.forget(live.call.id);
    const row = await this.options.calls.transition(live.call.id, status, { endReason: reason });
    if (row) await this.options.onCallEnded?.(row).catch((error: unknown) => this.options.log.error({ err: error, callId: row.id }, 'call-ended hook failed'));
  }

  private hosted(live: LiveCall, agent: AgentRow): HostedCall {
    const { call, carrier } = live;
    const spec = this.options.agents.spec(agent);
    // Said before the greeting only where the call is really recorded (an audio line).
    const disclosure = carrier.lines === 'audio' ? recordingSettingsOf(call, agent.settings).disclosure : null;
    return {
      id: call.id, orgId: call.orgId, carrier: call.carrier, variables: call.variables, maxDurationS: call.maxDurationS,
      transferNumbers: allowedTransferNumbers(call, agent.settings),
      ...(disclosure ? { disclosure: renderTemplate(disclosure, call.variables, spec.variableDefaults) } : {}),
      agent: { spec: this.options.agents.spec(agent), voice: agent.voice },
      clock: carrier.clock ?? realLineClock,
      // A carrier with a clock of its own is a simulated network.
      simulated: carrier.clock !== undefined,
    };
  }

  /** The one control every lane gets; writes wait until the runtime has recorded the answered line. */
  private control(live: LiveCall): CallControl {
    const { calls } = this.options;
    const recorded = <T>(write: () => Promise<T>) => live.lineReady.then(write);
    return {
      signal: live.abort.signal,
      answer: live.answer,
      recordTurn: (turn) => recorded(() => calls.appendTurn(live.call.id, turn)),
      recordBrainEvent: (event) => recorded(() => calls.recordEvent(live.call, `agent.${event.type}`, { ...event })),
      recordEvent: (type, data) => calls.recordEvent(live.call, type, data),
      storeLatency: (summary) => calls.recordLatency(live.call.id, { ...summary }),
      endAs: (end) => {
        live.endAs ??= { ...(end.status ? { status: end.status } : {}), reason: end.reason };
      },
      transfer: (action, turns, voice) => {
        const run = this.transfers.run({
          call: live.call, carrier: live.carrier, providerCallId: live.providerCallId,
          agentName: live.agent?.name ?? 'the agent', agentSettings: live.agent?.settings ?? {},
          action, turns, state: live.transfer, ...(voice ? { voice } : {}),
          handedOver: () => {
            live.endAs ??= { status: 'completed', reason: 'transferred' };
          },
        });
        live.transferring = run;
        return run.finally(() => {
          if (live.transferring === run) live.transferring = undefined;
        });
      },
    };
  }

  /** Hands the answered line to its lane and hears back how the call ends. */
  private attach(live: LiveCall, line: CallLine): void {
    const control = this.control(live);
    const conversation = (() => {
      if (!live.agent) throw new Error('agent of a live call is gone');
      const call = this.hosted(live, live.agent);
      if (line.mode === 'text') {
        if (this.options.recordings?.expects(live.call.id)) {
          // A text line carries words, not audio: there is nothing to record.
          this.options.recordings.forget(live.call.id);
          // In order with the answer, so it follows `call.in_progress`.
          this.onLine(live, () => this.options.calls.recordEvent(live.call, 'call.recording_unavailable', { reason: 'text_lane' }));
        }
        return this.text.attach(call, line, control);
      }
      if (this.options.voice) return this.options.voice.attach(call, line, control);
      control.endAs(endOf({ kind: 'line_unsupported' }, 'voice')!);
      line.hangUp();
      return undefined;
    });
    let running: Promise<CallEnd> | undefined;
    try {
      running = conversation();
    } catch (error) {
      running = Promise.reject(error);
    }
    void running
      ?.then(async (end) => {
        // The line ends under a transfer (the carrier took the callee): the transfer says how the call ends.
        await live.transferring?.catch(() => undefined);
        live.endAs ??= { reason: end.reason };
      })
      .catch((error: unknown) => {
        this.options.log.error({ err: error, callId: live.call.id }, 'conversation failed');
        live.endAs ??= endOf({ kind: 'engine_failed' }, laneOf(live))!;
        // A failed hang-up (the carrier's API down) must not become an unhandled rejection:
        // the call still ends through the carrier's status or the lease sweep.
        if (live.providerCallId) {
          live.carrier.hangUp(live.providerCallId).catch((hangUpError: unknown) => this.options.log.warn({ err: hangUpError, callId: live.call.id }, 'hang-up after a failed conversation failed'));
        }
      });
  }

  /** A verdict that came after the answer was recorded (async AMD, Parley's detector on a late line) is stored on its own. */
  private laterVerdict(live: LiveCall, verdict: AnswerVerdict): void {
    if (!live.answerRecorded) return;
    this.onLine(live, () => this.lineRecords.amd(live.call.id, amdRecord(verdict)));
  }

  /** A write about the line, in order with the call's carrier events. */
  private onLine(live: LiveCall, write: () => Promise<unknown>): void {
    live.chain = live.chain
      .then(write)
      .then(() => undefined)
      .catch((error: unknown) => this.options.log.error({ err: error, callId: live.call.id }, 'a record about the line failed'));
  }

  private async cancelLocal(callId: string): Promise<void> {
    const live = this.live.get(callId);
    if (!live || live.cancelRequested) return;
    live.cancelRequested = true;
    live.endAs = endOf({ kind: 'canceled' }, laneOf(live))!;
    live.abort.abort();
    if (live.providerCallId) await live.carrier.hangUp(live.providerCallId).catch(() => undefined);
  }

  private async heartbeat(): Promise<void> {
    try {
      for (const held of await renewLeases(this.options.db, this.options.workerId)) {
        if (held.cancelRequested) await this.cancelLocal(held.id);
      }
    } catch (error) {
      this.options.log.warn({ err: error }, 'lease renewal failed');
    }
  }

  private async sweep(): Promise<void> {
    try {
      for (const id of await expiredLeases(this.options.db)) {
        if (this.live.has(id)) continue;
        const row = await this.options.calls.transition(id, 'failed', { endReason: 'worker_lost' });
        if (!row) continue;
        // The lost process held the transfer in flight: nobody can say how its leg went.
        const transfer = row.transfer as TransferRecord | null;
        if (transfer?.outcome === 'pending') await this.lineRecords.transfer(id, { ...transfer, outcome: 'unknown', ended_at: new Date().toISOString() }, 'call.transferred');
        await this.options.onCallEnded?.(row);
      }
    } catch (error) {
      this.options.log.warn({ err: error }, 'sweep failed');
    }
  }
}

/** A verdict as the call keeps it (API spelling). */
function amdRecord(verdict: AnswerVerdict): AmdRecord {
  return { verdict: verdict.verdict, source: verdict.source, reason: verdict.reason, time_to_verdict_ms: verdict.timeToVerdictMs, ...(verdict.revised ? { revised: true } : {}) };
}

/** The lane a call's answered line goes to. */
function laneOf(live: LiveCall): Lane {
  return live.carrier.lines === 'audio' ? 'voice' : 'text';
}
