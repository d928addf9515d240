/**
 * The voice lane: one voice session per live audio call. The call runtime drives it: `prewarm`
 * builds a call's session while its phone rings (STT and TTS connected, greeting synthesised),
 * `attach` runs it on the answered line (building it then if it was not prewarmed), `discard`
 * drops a session whose call ended unanswered. Nothing here knows the call store: the runtime's
 * `CallControl` is where a session writes and says how the call ends.
 */
import type { ConversationEngine } from '../../brain/types.js';
import type { CallControl, HostedCall, PrewarmingHost } from '../../conversation/host.js';
import { conversationTimers } from '../../conversation/timers.js';
import { verdictPlan } from '../../conversation/voicemail.js';
import { renderTemplate } from '../../brain/template.js';
import type { Logger } from '../../shared/logger.js';
import type { AudioLine } from '../../media/audio-line.js';
import type { SessionClock } from './clock.js';
import type { VoiceMetrics } from './metrics.js';
import type { FramePacer } from './pacer.js';
import type { SpeechProviders } from './providers.js';
import { VoiceSession, type SessionEnd, type SessionTuning } from './session.js';
import { resolveVoiceSettings, ttsStreamOptions, type VoiceSettings } from './settings.js';
import { renderSpeech } from '../tts/render.js';
import type { TtsProvider } from '../tts/types.js';

export interface VoiceSessionsOptions {
  readonly engine: ConversationEngine;
  readonly providers: SpeechProviders;
  /** The clock and pacer of a call's network (real time, or the simulated network's), and tuning for it. */
  readonly timing: (call: HostedCall) => { readonly clock: SessionClock; readonly pacer: FramePacer; readonly tuning?: Partial<SessionTuning> };
  readonly metrics?: VoiceMetrics;
  readonly log?: Logger;
  readonly tuning?: Partial<SessionTuning>;
  /** A prewarmed session nobody ran is closed after this (longer than any ring). Default 11 min. */
  readonly prewarmTimeoutMs?: number;
}

interface PreparedEntry {
  readonly ready: Promise<VoiceSession>;
  readonly timer: NodeJS.Timeout;
}

export class VoiceSessions implements PrewarmingHost<AudioLine> {
  private readonly prepared = new Map<string, PreparedEntry>();
  private readonly running = new Set<VoiceSession>();

  constructor(private readonly options: VoiceSessionsOptions) {}

  /** Sessions prewarmed and not yet running. */
  get prewarmed(): number {
    return this.prepared.size;
  }

  /** Builds the call's session and starts its greeting, while the phone rings. */
  prewarm(call: HostedCall, control: CallControl): void {
    if (this.prepared.has(call.id)) return;
    const ready = this.build(call, control).then((session) => {
      session.prepare();
      return session;
    });
    // A failed prewarm is retried by attach (logged here, so it is not an unhandled rejection).
    ready.catch((error: unknown) => this.options.log?.warn({ err: error, callId: call.id }, 'voice session prewarm failed'));
    const timer = setTimeout(() => this.discard(call.id), this.options.prewarmTimeoutMs ?? 11 * 60_000);
    timer.unref();
    this.prepared.set(call.id, { ready, timer });
  }

  /** Drops a prewarmed session (the call ended without a line). */
  discard(callId: string): void {
    const entry = this.prepared.get(callId);
    if (!entry) return;
    this.prepared.delete(callId);
    clearTimeout(entry.timer);
    entry.ready
      .then((session) => session.close(), () => undefined)
      .catch((error: unknown) => this.options.log?.warn({ err: error, callId }, 'discarded voice session failed to close'));
  }

  /** Runs the conversation on the answered line: the prewarmed session speaks on it at once. */
  async attach(call: HostedCall, line: AudioLine, control: CallControl): Promise<SessionEnd> {
    const entry = this.prepared.get(call.id);
    this.prepared.delete(call.id);
    if (entry) clearTimeout(entry.timer);
    const session = (await entry?.ready.catch(() => undefined)) ?? (await this.build(call, control));
    this.running.add(session);
    try {
      return await session.run(line, control.answer, control.signal);
    } finally {
      this.running.delete(session);
    }
  }

  /** Closes every session (server shutdown). */
  async stop(): Promise<void> {
    for (const id of [...this.prepared.keys()]) this.discard(id);
    await Promise.all([...this.running].map((session) => session.close()));
  }

  /** The runtime's transfer, with the agent's voice to brief a warm transfer's target in. */
  private transferInVoice(
    transfer: NonNullable<CallControl['transfer']>,
    tts: TtsProvider,
    settings: VoiceSettings,
    signal: AbortSignal,
  ): NonNullable<CallControl['transfer']> {
    return (action, turns, voice) =>
      transfer(action, turns, { ...voice, speak: (text, stop) => renderSpeech(tts, ttsStreamOptions(settings), text, AbortSignal.any([signal, stop])) });
  }

  private async build(call: HostedCall, control: CallControl): Promise<VoiceSession> {
    const { options } = this;
    const { spec, voice } = call.agent;
    const settings = resolveVoiceSettings({ settings: spec.settings, voice, language: spec.language });
    const stt = options.providers.stt(settings.stt);
    const tts = options.providers.tts(settings.tts);
    for (const [kind, chosen] of [['stt', stt], ['tts', tts]] as const) {
      if (chosen.unavailable) await control.recordEvent('voice.provider_unavailable', { kind, provider: chosen.unavailable, using: chosen.ids });
    }
    const opened = options.engine.open({
      agent: spec, variables: call.variables, channel: call.simulated ? 'sim' : 'voice', callId: call.id,
      ...(call.transferNumbers ? { transferNumbers: call.transferNumbers } : {}),
    });
    const timing = options.timing(call);
    return new VoiceSession({
      conversation: opened, settings, clock: timing.clock, pacer: timing.pacer,
      stt: stt.provider, tts: tts.provider, offlineTts: options.providers.offlineTts,
      timers: conversationTimers(spec.settings.timers ?? {}, call.maxDurationS),
      // A recorded call says so before the greeting, and the callee cannot talk it away.
      ...(call.disclosure ? { disclosure: call.disclosure } : {}),
      machinePlan: verdictPlan('machine', spec.settings.voicemail, (template) => renderTemplate(template, call.variables, spec.variableDefaults)),
      ...(options.metrics ? { metrics: options.metrics } : {}),
      tuning: { ...options.tuning, ...timing.tuning },
      hooks: {
        recordTurn: (turn) => control.recordTurn(turn),
        recordBrainEvent: (event) => control.recordBrainEvent(event),
        recordEvent: (type, data) => control.recordEvent(type, data),
        storeLatency: (summary) => control.storeLatency({ ...summary }),
        endAs: (end) => control.endAs(end),
        ...(control.transfer ? { transfer: this.transferInVoice(control.transfer, tts.provider, settings, control.signal) } : {}),
      },
    });
  }
}
