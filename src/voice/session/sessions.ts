/**
 * The voice sessions of one process. `prewarm` builds a call's session while its phone rings
 * (agent loaded, STT and TTS connected, greeting synthesised); `run` takes the answered line,
 * using the prewarmed session if there is one; `discard` drops a session whose call ended
 * unanswered. Nothing here knows the call store: the module passes in how to load an agent
 * and where to write.
 */
import type { AgentSpec, BrainEvent, AgentAction, ConversationEngine, ConversationTurn, Variables } from '../../brain/types.js';
import type { Logger } from '../../shared/logger.js';
import type { AudioLine } from '../../media/audio-line.js';
import type { SessionClock } from './clock.js';
import type { LatencySummary } from './latency.js';
import type { VoiceMetrics } from './metrics.js';
import type { FramePacer } from './pacer.js';
import type { SpeechProviders } from './providers.js';
import { VoiceSession, type AnswerInfo, type SessionEnd, type SessionTuning } from './session.js';
import { resolveVoiceSettings } from './settings.js';
import type { VoiceTimers } from './timers.js';

/** The call a session serves. */
export interface SessionCall {
  readonly id: string;
  readonly orgId: string;
  readonly agentId: string;
  readonly carrier: string;
  readonly variables: Variables;
  readonly maxDurationS: number;
}

/** What the session may do to its live call (the call runtime's control). */
export interface CallControl {
  readonly signal: AbortSignal;
  recordTurn(turn: ConversationTurn): Promise<void>;
  recordBrainEvent(event: BrainEvent | { type: 'action'; action: AgentAction }): Promise<void>;
  /** Decides the call's terminal status and reason before the session hangs up. */
  endAs(end: SessionEnd): void;
}

export interface SessionAgent {
  readonly spec: AgentSpec;
  /** The agent's `voice` column (the TTS voice unless `tts.voice` says otherwise). */
  readonly voice: string | null;
}

export interface VoiceSessionsOptions {
  readonly engine: ConversationEngine;
  readonly providers: SpeechProviders;
  readonly loadAgent: (call: SessionCall) => Promise<SessionAgent | undefined>;
  readonly recordEvent: (call: SessionCall, type: string, data: Record<string, unknown>) => Promise<void>;
  readonly storeLatency: (call: SessionCall, summary: LatencySummary) => Promise<void>;
  /** The clock and pacer of a call's network (real time, or the simulated network's), and tuning for it. */
  readonly timing: (call: SessionCall) => { readonly clock: SessionClock; readonly pacer: FramePacer; readonly tuning?: Partial<SessionTuning> };
  readonly metrics?: VoiceMetrics;
  readonly log?: Logger;
  readonly tuning?: Partial<SessionTuning>;
  /** A prewarmed session nobody ran is closed after this (longer than any ring). Default 11 min. */
  readonly prewarmTimeoutMs?: number;
}

/** The agent is asked to wrap up this long before the call's time limit (as on the text lane). */
const wrapUpLeadMs = 20_000;

interface Prepared {
  readonly session: VoiceSession;
  bind(control: CallControl): void;
}

interface PreparedEntry {
  readonly ready: Promise<Prepared | undefined>;
  readonly timer: NodeJS.Timeout;
  /** The line the carrier produced, which the session already speaks on. */
  line?: AudioLine;
}

export class VoiceSessions {
  private readonly prepared = new Map<string, PreparedEntry>();
  private readonly running = new Set<VoiceSession>();

  constructor(private readonly options: VoiceSessionsOptions) {}

  /** Sessions prewarmed and not yet running. */
  get prewarmed(): number {
    return this.prepared.size;
  }

  /** Builds the call's session and starts its greeting, while the phone rings. */
  prewarm(call: SessionCall): void {
    if (this.prepared.has(call.id)) return;
    const ready = this.build(call)
      .then((prepared) => {
        prepared?.session.prepare();
        return prepared;
      })
      .catch((error: unknown) => {
        this.options.log?.warn({ err: error, callId: call.id }, 'voice session prewarm failed');
        return undefined;
      });
    const timer = setTimeout(() => this.discard(call.id), this.options.prewarmTimeoutMs ?? 11 * 60_000);
    timer.unref();
    this.prepared.set(call.id, { ready, timer });
  }

  /**
   * The carrier has the answered line: a prewarmed session starts speaking on it now, while the
   * call runtime is still recording the answer (it binds the session when it gets there).
   */
  lineUp(callId: string, line: AudioLine): void {
    const entry = this.prepared.get(callId);
    if (!entry || entry.line) return;
    entry.line = line;
    entry.ready
      .then((prepared) => prepared?.session.start(line))
      .catch((error: unknown) => this.options.log?.error({ err: error, callId }, 'prewarmed voice session failed to start'));
  }

  /** Drops a prewarmed session (the call ended without a line). */
  discard(callId: string): void {
    const entry = this.prepared.get(callId);
    if (!entry) return;
    this.prepared.delete(callId);
    clearTimeout(entry.timer);
    entry.ready
      .then((prepared) => prepared?.session.close())
      .catch((error: unknown) => this.options.log?.warn({ err: error, callId }, 'discarded voice session failed to close'));
  }

  /** Runs the conversation on the answered line. */
  async run(call: SessionCall, line: AudioLine, control: CallControl, answer?: AnswerInfo): Promise<SessionEnd> {
    const entry = this.prepared.get(call.id);
    this.prepared.delete(call.id);
    if (entry) clearTimeout(entry.timer);
    const prepared = (await entry?.ready) ?? (await this.build(call));
    if (!prepared) throw new Error('The agent of a live call is gone');
    prepared.bind(control);
    this.running.add(prepared.session);
    try {
      if (entry?.line === line) {
        prepared.session.bind(answer, control.signal);
        return await prepared.session.start(line);
      }
      return await prepared.session.run(line, answer, control.signal);
    } finally {
      this.running.delete(prepared.session);
    }
  }

  /** Closes every session (server shutdown). */
  async stop(): Promise<void> {
    for (const id of [...this.prepared.keys()]) this.discard(id);
    await Promise.all([...this.running].map((session) => session.close()));
  }

  private async build(call: SessionCall): Promise<Prepared | undefined> {
    const { options } = this;
    const agent = await options.loadAgent(call);
    if (!agent) return undefined;
    const settings = resolveVoiceSettings({ settings: agent.spec.settings, voice: agent.voice, language: agent.spec.language });
    const stt = options.providers.stt(settings.stt);
    const tts = options.providers.tts(settings.tts);
    for (const [kind, chosen] of [['stt', stt], ['tts', tts]] as const) {
      if (chosen.unavailable) {
        await options.recordEvent(call, 'voice.provider_unavailable', { kind, provider: chosen.unavailable, using: chosen.ids });
      }
    }
    const conversation = options.engine.open({ agent: agent.spec, variables: call.variables, channel: call.carrier === 'sim' ? 'sim' : 'voice', callId: call.id });
    const timing = options.timing(call);
    const { clock, pacer } = timing;
    const tuning = { ...options.tuning, ...timing.tuning };
    let control: CallControl | undefined;
    let bound!: (control: CallControl) => void;
    const controlReady = new Promise<CallControl>((resolve) => (bound = resolve));
    let earlyEnd: SessionEnd | undefined;
    const session = new VoiceSession({
      conversation, settings, clock, pacer,
      stt: stt.provider, tts: tts.provider, offlineTts: options.providers.offlineTts,
      timers: timersOf(agent.spec.settings, call.maxDurationS),
      ...(options.metrics ? { metrics: options.metrics } : {}),
      tuning,
      hooks: {
        recordTurn: async (turn) => (await controlReady).recordTurn(turn),
        recordBrainEvent: async (event) => (await controlReady).recordBrainEvent(event),
        recordEvent: (type, data) => options.recordEvent(call, type, data),
        storeLatency: (summary) => options.storeLatency(call, summary),
        endAs: (end) => {
          if (control) control.endAs(end);
          else earlyEnd ??= end;
        },
      },
    });
    return {
      session,
      bind(given) {
        control = given;
        if (earlyEnd) given.endAs(earlyEnd);
        bound(given);
      },
    };
  }
}

/** The agent's timers (`timers` setting) in the voice lane's terms. */
export function timersOf(settings: Readonly<Record<string, unknown>>, maxDurationS: number): VoiceTimers {
  const timers = (settings.timers ?? {}) as { silence_reprompt_s?: number; inactivity_timeout_s?: number; response_delay_ms?: number };
  return {
    silenceRepromptMs: (timers.silence_reprompt_s ?? 8) * 1000,
    inactivityTimeoutMs: (timers.inactivity_timeout_s ?? 30) * 1000,
    wrapUpAtMs: Math.max(0, maxDurationS * 1000 - wrapUpLeadMs),
    responseDelayMs: timers.response_delay_ms ?? 0,
  };
}
