/**
 * The calls this process holds: claims and dials them for the dispatcher, turns carrier events
 * into status transitions, runs the conversation on the answered line, renews leases, honours
 * cancels, and fails calls whose worker vanished. Every call it touches ends terminal.
 */
import type { Db } from '../../store/database.js';
import type { Logger } from '../../shared/logger.js';
import type { AgentAction, BrainEvent, ConversationEngine, ConversationTurn } from '../../brain/types.js';
import { renderTemplate } from '../../brain/template.js';
import type { Carrier, CarrierEvent, CallLine, AudioLine } from '../../telephony/types.js';
import type { SimClock } from '../../telephony/sim/pace.js';
import type { AgentRow, AgentService } from '../../agents/agent-service.js';
import type { ClaimRound, SchedulerHandlers } from '../../dispatch/scheduler.js';
import type { CallService } from '../call-service.js';
import type { CallStatus, TerminalStatus } from '../call-status.js';
import type { CallRow } from '../call-view.js';
import { claimRound, expiredLeases, nextCallDueAt, orgsWithDueCalls, renewLeases, type LaneSource } from './call-claim.js';
import { runTextConversation, type ConversationTimers } from './text-conversation.js';

const heartbeatMs = 5_000;
const sweepMs = 15_000;
/** The agent is asked to wrap up this long before the call's time limit. */
const wrapUpLeadMs = 20_000;

/** Runs a conversation on an audio line (the real-time voice pipeline plugs in here). */
export type AudioSessionRunner = (input: { call: CallRow; line: AudioLine; live: LiveCallControl; answer: AnswerInfo }) => Promise<{ endReason: string }>;

/** Who answered, as the carrier says so far: machine detection may finish after the line is up. */
export interface AnswerInfo {
  machine(): boolean;
  /** Resolves when an answering machine's greeting is over (its beep). */
  readonly beepHeard: Promise<void>;
}

/** What a conversation may do to its call. */
export interface LiveCallControl {
  readonly signal: AbortSignal;
  recordTurn(turn: ConversationTurn): Promise<void>;
  recordBrainEvent(event: BrainEvent | { type: 'action'; action: AgentAction }): Promise<void>;
  /** How the call ends (status and reason), set before the conversation hangs up; the first one set wins. */
  endAs(end: { readonly status?: TerminalStatus; readonly reason: string }): void;
}

/** Runs after a call ends terminal (outcome analysis plugs in here). */
export type CallEndedHook = (call: CallRow) => Promise<void>;

export interface CallRuntimeOptions {
  readonly db: Db;
  readonly calls: CallService;
  readonly agents: AgentService;
  readonly carriers: ReadonlyMap<string, Carrier>;
  readonly engine: ConversationEngine;
  /** Queue lanes besides the single calls (campaigns). */
  readonly laneSources?: readonly LaneSource[];
  readonly workerId: string;
  readonly defaultConcurrency: number;
  readonly log: Logger;
  /** Time on the simulated network (speed-scaled); real time for other carriers. */
  readonly simClock: SimClock;
  readonly audioSession?: AudioSessionRunner;
  readonly onCallEnded?: CallEndedHook;
}

interface LiveCall {
  readonly call: CallRow;
  /** The agent as it was when the call was dialled: the whole call uses this version. */
  readonly agent: AgentRow | undefined;
  readonly carrier: Carrier;
  readonly abort: AbortController;
  providerCallId: string | undefined;
  answeredAtRealMs: number | undefined;
  machine: boolean;
  beep: () => void;
  readonly beepHeard: Promise<void>;
  /** What the call ends as, when the agent or a cancel decided it before the carrier reports the end. */
  endAs: { status?: TerminalStatus; reason: string } | undefined;
  cancelRequested: boolean;
  /** Carrier events of one call are handled strictly in order. */
  chain: Promise<void>;
}

export class CallRuntime implements SchedulerHandlers {
  private readonly live = new Map<string, LiveCall>();
  private timers: NodeJS.Timeout[] = [];
  /** Set by stop(): a dial that returns afterwards is hung up at once. */
  private stopping = false;

  constructor(private readonly options: CallRuntimeOptions) {
    options.calls.onTransition((row) => {
      if (row.cancelRequestedAt) this.cancelLocal(row.id).catch((error: unknown) => options.log.error({ err: error, callId: row.id }, 'local cancel failed'));
    });
  }

  get liveCount(): number {
    return this.live.size;
  }

  /** The sink every carrier reports to. */
  readonly sink = (callId: string, event: CarrierEvent): void => {
    const live = this.live.get(callId);
    if (!live) return;
    live.chain = live.chain
      .then(() => this.handle(live, event))
      .catch((error: unknown) => this.options.log.error({ err: error, callId }, 'carrier event handling failed'));
  };

  claim(orgId: string, now: Date): Promise<ClaimRound> {
    const { db, calls, workerId, defaultConcurrency } = this.options;
    return claimRound({ db, calls, workerId, defaultLimit: defaultConcurrency, sources: this.options.laneSources ?? [] }, orgId, now);
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
    let beep = () => {};
    const beepHeard = new Promise<void>((resolve) => (beep = resolve));
    const live: LiveCall = {
      call, agent, carrier, abort: new AbortController(), providerCallId: undefined, answeredAtRealMs: undefined, machine: false,
      beep, beepHeard, endAs: undefined, cancelRequested: false, chain: Promise.resolve(),
    };
    this.live.set(callId, live);
    const timers = (agent?.settings.timers ?? {}) as { ring_timeout_s?: number };
    try {
      const { providerCallId } = await carrier.dial({
        callId, orgId: call.orgId, to: call.toNumber, from: call.fromNumber,
        ringTimeoutS: timers.ring_timeout_s ?? 30, timeLimitS: call.maxDurationS, detectVoicemail: true,
      });
      live.providerCallId = providerCallId;
      await calls.setProviderCallId(callId, providerCallId);
      if (live.cancelRequested || this.stopping) await carrier.hangUp(providerCallId);
    } catch (error) {
      log.warn({ err: error, callId }, 'dial failed');
      this.live.delete(callId);
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
        live.endAs ??= { status: 'failed', reason: 'worker_lost' };
        live.abort.abort();
        if (live.providerCallId) await live.carrier.hangUp(live.providerCallId).catch(() => undefined);
        await live.chain;
        if (this.live.has(live.call.id)) await this.finish(live, 'failed', 'worker_lost');
      }),
    );
  }

  private async handle(live: LiveCall, event: CarrierEvent): Promise<void> {
    const { calls } = this.options;
    const id = live.call.id;
    switch (event.type) {
      case 'ringing':
        await calls.transition(id, 'ringing');
        return;
      case 'answered':
        live.answeredAtRealMs = Date.now();
        live.machine = event.answeredBy === 'machine';
        await calls.transition(id, 'in_progress', { answeredBy: event.answeredBy });
        return;
      case 'machine_detected':
        live.machine = event.answeredBy === 'machine';
        if (event.beep) live.beep();
        return;
      case 'line':
        void this.converse(live, event.line).catch((error: unknown) => {
          this.options.log.error({ err: error, callId: id }, 'conversation failed');
          live.endAs ??= { status: 'failed', reason: 'engine_error' };
          // A failed hang-up (the carrier's API down) must not become an unhandled rejection:
          // the call still ends through the carrier's status or the lease sweep.
          if (live.providerCallId) {
            live.carrier.hangUp(live.providerCallId).catch((hangUpError: unknown) => this.options.log.warn({ err: hangUpError, callId: id }, 'hang-up after a failed conversation failed'));
          }
        });
        return;
      case 'ended': {
        live.abort.abort();
        const status = this.endStatus(live, event.outcome);
        const reason = live.endAs?.reason ?? carrierReason(event.reason, status);
        await this.finish(live, status, reason);
        return;
      }
    }
  }

  private endStatus(live: LiveCall, outcome: 'completed' | 'busy' | 'no_answer' | 'failed' | 'canceled'): TerminalStatus {
    if (live.endAs?.status) return live.endAs.status;
    if (outcome === 'completed') return live.answeredAtRealMs === undefined ? 'no_answer' : 'completed';
    return outcome;
  }

  private async finish(live: LiveCall, status: TerminalStatus, reason: string): Promise<void> {
    this.live.delete(live.call.id);
    const row = await this.options.calls.transition(live.call.id, status, { endReason: reason });
    if (row) await this.options.onCallEnded?.(row).catch((error: unknown) => this.options.log.error({ err: error, callId: row.id }, 'call-ended hook failed'));
  }

  private control(live: LiveCall): LiveCallControl {
    const { calls } = this.options;
    return {
      signal: live.abort.signal,
      recordTurn: (turn) => calls.appendTurn(live.call.id, turn),
      recordBrainEvent: (event) => calls.recordEvent(live.call, `agent.${event.type}`, { ...event }),
      endAs: (end) => {
        live.endAs ??= { ...(end.status ? { status: end.status } : {}), reason: end.reason };
      },
    };
  }

  private async converse(live: LiveCall, line: CallLine): Promise<void> {
    const agentRow = live.agent;
    if (!agentRow) throw new Error('agent of a live call is gone');
    if (line.mode === 'audio') {
      if (!this.options.audioSession) {
        live.endAs = { status: 'failed', reason: 'audio_not_supported' };
        line.hangUp();
        return;
      }
      const answer: AnswerInfo = { machine: () => live.machine, beepHeard: live.beepHeard };
      const result = await this.options.audioSession({ call: live.call, line, live: this.control(live), answer });
      live.endAs ??= { reason: result.endReason };
      return;
    }
    const control = this.control(live);
    const clock = live.carrier.id === 'sim' ? this.options.simClock : undefined;
    const answeredAt = live.answeredAtRealMs ?? Date.now();
    const hooks = {
      now: () => (clock ? clock.elapsedMs(answeredAt) : Date.now() - answeredAt),
      sleep: (ms: number, signal: AbortSignal) => (clock ? clock.sleep(ms, signal) : sleepMs(ms, signal)),
      onTurn: control.recordTurn,
      onBrainEvent: (event: BrainEvent) => control.recordBrainEvent(event),
      onAction: (action: AgentAction) => control.recordBrainEvent({ type: 'action', action }),
      onEnding: (end: { endReason: string; status?: TerminalStatus }) => {
        live.endAs ??= { ...(end.status ? { status: end.status } : {}), reason: end.endReason };
      },
    };
    const spec = this.options.agents.spec(agentRow);
    if (live.machine) {
      const voicemail = (agentRow.settings.voicemail ?? {}) as { action?: string; message?: string };
      const heard = (async () => {
        for await (const event of line.events) {
          if (event.type === 'contact_said') await control.recordTurn({ role: 'contact', text: event.text, offsetMs: Math.max(0, hooks.now() - (event.durationMs ?? 0)) });
        }
      })();
      await Promise.race([live.beepHeard, heard]);
      if (live.abort.signal.aborted) return;
      if (voicemail.action === 'leave_message' && voicemail.message) {
        const message = renderTemplate(voicemail.message, live.call.variables, spec.variableDefaults);
        const offsetMs = hooks.now();
        await line.say(message, live.abort.signal);
        await control.recordTurn({ role: 'agent', text: message, offsetMs });
        live.endAs = { status: 'completed', reason: 'voicemail_message_left' };
      } else {
        live.endAs = { status: 'voicemail', reason: 'voicemail_detected' };
      }
      line.hangUp();
      return;
    }
    const conversation = this.options.engine.open({ agent: spec, variables: live.call.variables, channel: clock ? 'sim' : 'voice', callId: live.call.id });
    const settings = (agentRow.settings.timers ?? {}) as { silence_reprompt_s?: number; inactivity_timeout_s?: number; response_delay_ms?: number };
    const timers: ConversationTimers = {
      silenceRepromptMs: (settings.silence_reprompt_s ?? 8) * 1000,
      inactivityTimeoutMs: (settings.inactivity_timeout_s ?? 30) * 1000,
      wrapUpAtMs: Math.max(0, live.call.maxDurationS * 1000 - wrapUpLeadMs),
      responseDelayMs: settings.response_delay_ms ?? 0,
    };
    const end = await runTextConversation(line, conversation, timers, hooks, live.abort.signal);
    live.endAs ??= { ...(end.status ? { status: end.status } : {}), reason: end.endReason };
  }

  private async cancelLocal(callId: string): Promise<void> {
    const live = this.live.get(callId);
    if (!live || live.cancelRequested) return;
    live.cancelRequested = true;
    live.endAs = { status: 'canceled', reason: 'canceled' };
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
        if (row) await this.options.onCallEnded?.(row);
      }
    } catch (error) {
      this.options.log.warn({ err: error }, 'sweep failed');
    }
  }
}

function carrierReason(reason: string | undefined, status: CallStatus): string {
  switch (reason) {
    case 'time_limit':
      return 'max_duration';
    case 'agent_hung_up':
      return 'agent_ended';
    case 'contact_hung_up':
    case 'machine_hung_up':
      return 'contact_hung_up';
    default:
      return status === 'failed' ? 'carrier_failed' : status === 'completed' ? 'contact_hung_up' : status;
  }
}

function sleepMs(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
