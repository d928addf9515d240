/**
 * The agent's side of a voice session: the playout and the TTS stream, and one agent turn at a
 * time spoken through them, with what the callee heard, the first words and each turn's
 * latency written to the call's record.
 */
import type { Conversation, Cue } from '../../brain/types.js';
import { DTMF_SEQUENCE_PATTERN, dtmfKeysPlayed, dtmfMulaw } from '../../media/dtmf.js';
import { ringbackMulaw } from '../../media/ringback.js';
import type { ProviderError } from '../../shared/errors.js';
import type { AudioLine } from '../../media/audio-line.js';
import type { TtsProvider } from '../tts/types.js';
import { AgentTurn, type AgentTurnResult } from './agent-turn.js';
import type { TurnTimer } from './latency.js';
import { ttsStreamOptions } from './settings.js';
import type { VoiceMetrics } from './metrics.js';
import { fillerText } from './phrases.js';
import { Playout, type Segment, type SegmentHooks } from './playout.js';
import type { SessionRecords } from './records.js';
import { SpeechOut } from './speech-out.js';
import type { SessionTuning, VoiceSessionOptions } from './types.js';

export interface AgentVoiceDeps {
  readonly tuning: SessionTuning;
  readonly metrics: VoiceMetrics;
  readonly records: SessionRecords;
  /** Resolves with the answer's clock time. */
  readonly lineReady: Promise<number>;
  readonly signal: AbortSignal;
  /** The TTS failed for good (null: it stalled). */
  readonly onTtsFailure: (error: ProviderError | null) => void;
  /** A turn started or ended. */
  readonly onChange: () => void;
}

export class AgentVoice {
  readonly playout: Playout;
  private readonly speech: SpeechOut;
  private current: AgentTurn | undefined;
  /** The recording disclosure, until the callee has heard all of it: it leads every turn till then. */
  private disclosure: string | undefined;

  constructor(
    private readonly options: VoiceSessionOptions,
    private readonly deps: AgentVoiceDeps,
  ) {
    const onFrame = options.onFrame;
    this.playout = new Playout({
      clock: options.clock, pacer: options.pacer, leadMs: deps.tuning.leadMs,
      onFrame: (lateness) => {
        deps.metrics.frame(lateness);
        onFrame?.(lateness);
      },
    });
    this.disclosure = options.disclosure?.trim() || undefined;
    this.speech = new SpeechOut(this.playout, {
      streamOptions: ttsStreamOptions(options.settings),
      onError: (error) => deps.onTtsFailure(error),
    });
  }

  /** The turn being spoken (or thought about), if any. */
  get turn(): AgentTurn | undefined {
    return this.current;
  }

  /** Id of the TTS provider speaking. */
  get providerId(): string {
    return this.speech.providerId;
  }

  /** Speaks on `provider` from now on (the call's TTS, or the offline voice for an apology). */
  use(provider: TtsProvider): void {
    this.speech.use(provider);
  }

  /** True while the agent is speaking, thinking or still being played. */
  busy(): boolean {
    return this.current !== undefined || this.playout.busy();
  }

  /** One agent turn: speak, then record what was heard and how long it took. */
  async speak(cue: Cue, conversation: Conversation, timer?: TurnTimer): Promise<AgentTurnResult> {
    const { clock, timers, settings } = this.options;
    if (timer && timers.responseDelayMs > 0) await new Promise<void>((resolve) => clock.setTimer(timers.responseDelayMs, resolve));
    const { records, tuning } = this.deps;
    const turn = new AgentTurn(
      {
        conversation, speech: this.speech, playout: this.playout, clock, lineReady: this.deps.lineReady,
        pressKeys: (digits, hooks) => this.pressKeys(digits, hooks),
        onBrainEvent: (event) => records.brain(event),
        filler: { afterMs: tuning.fillerAfterMs, text: fillerText(settings.language) },
        ttsStall: { afterMs: tuning.ttsStallMs, onStall: () => this.deps.onTtsFailure(null) },
        signal: this.deps.signal,
        ...(this.disclosure ? { preamble: this.disclosure } : {}),
      },
      [...records.turns], cue, timer,
    );
    this.current = turn;
    this.deps.onChange();
    let result: AgentTurnResult;
    try {
      result = await turn.run();
    } finally {
      this.current = undefined;
      this.deps.onChange();
    }
    // Cut short by a machine or a failed voice (never by the callee), it leads the next turn again.
    if (result.preambleHeard) this.disclosure = undefined;
    if (result.text) records.turn('agent', result.text, result.startedAt ?? clock.now(), result.interrupted);
    if (cue.type === 'start' && result.startedAt !== undefined) records.firstWords(result.startedAt);
    if (timer?.has('first_audio') && !result.interrupted) records.latency(cue, timer);
    return result;
  }

  /**
   * Queues `digits` as in-band tones (the standard pairs, 8 kHz μ-law) after everything opened
   * so far, so they reach a phone menu on any carrier in their place among the words. The call's
   * `agent.dtmf_sent` event names the keys once they have played, or the ones that had when the
   * tones were cut; none played, no event. A sequence outside the tool's bound is refused (on
   * record, nothing queued): the schema keeps models out, this keeps anything else out.
   */
  pressKeys(digits: string, hooks: SegmentHooks = {}): Segment | undefined {
    if (!DTMF_SEQUENCE_PATTERN.test(digits)) {
      this.deps.records.event('agent.dtmf_refused', { length: digits.length });
      return undefined;
    }
    const segment = this.playout.openWhole(`[dtmf ${digits}]`, dtmfMulaw(digits), hooks);
    void segment.done.then((state) => {
      const played = state === 'played' ? digits : dtmfKeysPlayed(digits, segment.playedMs ?? 0);
      if (!played) return;
      this.deps.records.event('agent.dtmf_sent', {
        digits: played, tones_ms: Math.round(segment.playedMs ?? 0), ...(played === digits ? {} : { requested: digits }),
      });
    });
    return segment;
  }

  /**
   * Plays ringback (media/ringback.ts), cycle after cycle, after everything opened so far, until
   * the returned stop is called: what the callee hears while a warm transfer's target rings and is
   * briefed. Stopping drops what is left of it at once, here and at the carrier; nothing else
   * plays meanwhile, since the agent waits on the transfer.
   */
  hold(): () => void {
    let stopped = false;
    let segment: Segment | undefined;
    const next = (): void => {
      if (stopped) return;
      segment = this.playout.openWhole('[ringback]', ringbackMulaw());
      void segment.done.then((state) => {
        if (state === 'played') next();
      });
    };
    next();
    return () => {
      if (stopped) return;
      stopped = true;
      if (segment?.state === 'pending') this.playout.clear();
    };
  }

  async close(): Promise<void> {
    this.current?.interrupt();
    this.playout.detach();
    await this.speech.close();
  }
}

/** A conversation that says `text` whatever it is asked (apologies, voicemail messages). */
export function fixed(text: string): Conversation {
  return {
    firstSpeaker: 'agent',
    async *respond() {
      yield { type: 'text', text };
    },
  };
}
