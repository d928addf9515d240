/**
 * The audio lane of an answered simulated call (PARLEY_SIM_AUDIO=1): the persona's words travel
 * as μ-law frames (scripted speech, 20 ms each, silence in between as a phone line sends), and
 * the persona hears the agent by recognising the scripted speech in the audio actually played
 * to it, through a carrier buffer that behaves like Twilio's (marks, clear). Everything runs on
 * the simulated clock, so PARLEY_SIM_SPEED speeds the audio up too.
 */
import { readFileSync } from 'node:fs';
import { AsyncQueue } from '../../../shared/async-queue.js';
import { FRAME_BYTES, FRAME_DURATION_MS, type Frame } from '../../../media/frames.js';
import { MULAW_SILENCE } from '../../../media/mulaw.js';
import { ScriptedSpeechEncoder } from '../../../media/scripted-speech.js';
import { silenceMulaw, sineMulaw } from '../../../media/signal.js';
import type { AudioLine } from '../../../media/audio-line.js';
import { keyIntervalMs } from '../pace.js';
import type { SimLineOptions } from '../sim-line.js';
import { CarrierBuffer, type CarrierBufferStats } from './carrier-buffer.js';

/** A person with an opening line says it this long after the answer: the time to lift the phone to an ear. */
const pickUpMs = 300;
/** A person who hears nothing after answering says hello (as on the text lane). */
const helloAfterSilenceMs = 1500;
/**
 * The persona takes the agent's turn as over after this much silence (people wait longer than
 * an STT), and never less than 100 ms of real time, so a stall of the test machine's event loop
 * at a high PARLEY_SIM_SPEED is not mistaken for the end of the agent's turn.
 */
const earEndpointingMs = 500;
const earEndpointingRealMs = 100;
const silenceFrame = Buffer.alloc(FRAME_BYTES, MULAW_SILENCE);
/**
 * What follows an answering machine's greeting: a pause (the persona's `machine_beep_after_ms`,
 * 600 ms unless set), then its tone (1 kHz, 400 ms). Played as audio, frame by frame like the
 * greeting: a timer for the pause would stretch it by however late the line's ticks ran (at
 * PARLEY_SIM_SPEED=10, 50 ms late is 500 ms of line time, long enough for a detector to take the
 * greeting as over before its beep).
 */
function machinePauseAndBeep(pauseMs: number): Buffer {
  return Buffer.concat([silenceMulaw(pauseMs), sineMulaw({ durationMs: 400, frequencyHz: 1000 })]);
}

let greetingAudio: Buffer | undefined;
/**
 * The machine's greeting as a person's voice says it (espeak-ng, rendered offline by
 * scripts/record-sim-voicemail.ts, 8 kHz μ-law): real speech, so Parley's answering-machine
 * detector hears on the simulated network what it hears on a phone line. Read once.
 */
export function simVoicemailGreeting(): Buffer {
  greetingAudio ??= readFileSync(new URL('./recordings/voicemail-greeting.ulaw', import.meta.url));
  return greetingAudio;
}

/** What the persona's ears report of the agent's audio, as a streaming recogniser does. */
export type HeardEvent =
  | { readonly type: 'speech_started' }
  | { readonly type: 'transcript'; readonly text: string; readonly isFinal: boolean; readonly speechFinal: boolean }
  | { readonly type: 'utterance_end' };

/** The persona's ears: a recogniser of the scripted speech the agent plays (the voice lane's, handed in). */
export interface SimEars {
  push(audio: Buffer): readonly HeardEvent[];
}

export interface SimAudioLineOptions extends SimLineOptions {
  /** Builds the persona's ears; endpointing is how long a pause ends the agent's turn for it. */
  readonly ears: (options: { readonly endpointingMs: number; readonly interimResults: boolean }) => SimEars;
}

export class SimAudioLine implements AudioLine {
  readonly mode = 'audio' as const;
  private readonly queue = new AsyncQueue<Frame>();
  private readonly buffer: CarrierBuffer;
  private readonly ears: SimEars;
  private readonly mouth: ScriptedSpeechEncoder;
  private readonly abort = new AbortController();
  /** Cancels of the timers still to run (see later). */
  private readonly pending = new Set<() => void>();
  private speech: Buffer = Buffer.alloc(0);
  private speechOffset = 0;
  private readonly startedAt = Date.now();
  private framesDone = 0;
  private cancelTick: (() => void) | undefined;
  private closed = false;
  /** What the agent said, utterance by utterance, as heard. */
  private readonly agentTurns: string[] = [];
  private agentSpeaking = false;
  private agentUtterances = 0;
  private agentSpeechFrames = 0;
  private heardSoFar = '';
  /** The agent utterance the persona already answered by talking over it. */
  private answeredOver = 0;
  private anyoneSpoke = false;
  private onSpoken: (() => void) | undefined;
  /** The persona's answer to the agent's last turn is due, not yet begun. */
  private cancelReply: (() => void) | undefined;
  /** The agent's utterance in progress continues its last turn (it resumed before the persona answered). */
  private continuing = false;

  constructor(private readonly options: SimAudioLineOptions) {
    this.buffer = new CarrierBuffer((name) => this.queue.push({ kind: 'mark', name }));
    const endpointingMs = Math.max(earEndpointingMs, earEndpointingRealMs * options.clock.speed);
    this.ears = options.ears({ endpointingMs, interimResults: true });
    this.mouth = new ScriptedSpeechEncoder({ wordsPerMinute: options.persona.definition.words_per_minute });
    if (options.callee === 'answering_machine') {
      // The recorded greeting, a pause, the tone; the network reports the beep once the tone has played.
      this.anyoneSpoke = true;
      const pause = machinePauseAndBeep(options.persona.definition.machine_beep_after_ms);
      this.play(Buffer.concat([simVoicemailGreeting(), pause]), () => options.onBeep?.());
    } else if (options.persona.definition.opening) {
      // A moment of the line's quiet first, as a handset gives before the voice of whoever lifted it.
      this.anyoneSpoke = true;
      this.play(Buffer.concat([silenceMulaw(pickUpMs), this.mouth.encode(options.persona.definition.opening)]));
    } else {
      this.later(helloAfterSilenceMs, () => {
        if (!this.anyoneSpoke) this.say('Hello?');
      });
    }
    this.cancelTick = options.clock.setTimer(FRAME_DURATION_MS, this.tick);
  }

  get frames(): AsyncIterable<Frame> {
    return this.queue;
  }

  /** Outbound audio, marks and clears from the session. */
  send(frame: Frame): void {
    if (!this.closed) this.buffer.accept(frame);
  }

  /** The agent hangs up. */
  hangUp(): void {
    if (this.close()) this.options.onAgentHangUp();
  }

  /** The carrier ended the call (time limit, cancel). */
  end(): void {
    this.close();
  }

  /** The carrier buffer's counters (frames played, underruns, clears). */
  stats(): CarrierBufferStats {
    return this.buffer.counters();
  }

  private readonly tick = (): void => {
    if (this.closed) return;
    const due = Math.floor(this.options.clock.elapsedMs(this.startedAt) / FRAME_DURATION_MS);
    while (this.framesDone < due && !this.closed) {
      this.framesDone++;
      this.sendInbound();
      this.hear(this.buffer.play() ?? silenceFrame);
    }
    if (!this.closed) this.cancelTick = this.options.clock.setTimer(FRAME_DURATION_MS, this.tick);
  };

  /** The persona's next 20 ms toward the agent: its speech, else line silence. */
  private sendInbound(): void {
    let payload = silenceFrame;
    if (this.speechOffset < this.speech.length) {
      payload = Buffer.alloc(FRAME_BYTES, MULAW_SILENCE);
      this.speech.copy(payload, 0, this.speechOffset, Math.min(this.speech.length, this.speechOffset + FRAME_BYTES));
      this.speechOffset += FRAME_BYTES;
      if (this.speechOffset >= this.speech.length) {
        const spoken = this.onSpoken;
        this.onSpoken = undefined;
        spoken?.();
      }
    }
    this.queue.push({ kind: 'audio', payload, timestampMs: this.framesDone * FRAME_DURATION_MS });
  }

  /** The persona hears 20 ms of the agent. */
  private hear(audio: Buffer): void {
    for (const event of this.ears.push(audio)) {
      if (event.type === 'speech_started') {
        this.agentSpeaking = true;
        this.anyoneSpoke = true;
        this.heardSoFar = '';
        // The agent goes on before the persona answered (a pause mid-turn, or its audio stalling
        // on a loaded machine): the same turn, so the persona waits for the rest, as a person does.
        if (this.cancelReply) {
          this.cancelReply();
          this.cancelReply = undefined;
          this.continuing = true;
        } else {
          this.agentUtterances++;
          this.agentSpeechFrames = 0;
        }
      } else if (event.type === 'transcript' && !event.isFinal) {
        this.heardSoFar = event.text;
      } else if (event.type === 'transcript' && event.speechFinal) {
        this.agentSpeaking = false;
        this.agentFinished(event.text);
      }
    }
    if (this.agentSpeaking) {
      this.agentSpeechFrames++;
      this.maybeBargeIn();
    }
  }

  private agentFinished(text: string): void {
    const { persona, callee } = this.options;
    const continued = this.continuing;
    this.continuing = false;
    if (callee === 'answering_machine' || this.closed) return;
    if (this.answeredOver === this.agentUtterances) {
      // Cut off by the persona: what it heard replaces the partial words it answered.
      this.agentTurns[this.agentTurns.length - 1] = text;
      return;
    }
    // A continued turn is answered even if its rest was not words: its reply was put off, not dropped.
    if (!text && !continued) return;
    if (text && continued && this.agentTurns.length > 0) this.agentTurns[this.agentTurns.length - 1] += ` ${text}`;
    else if (text) this.agentTurns.push(text);
    this.cancelReply = this.later(persona.definition.response_delay_ms, () => {
      this.cancelReply = undefined;
      if (callee === 'hangs_up_after_first_turn') return this.contactHangsUp();
      this.replyOrHangUp();
    });
  }

  private maybeBargeIn(): void {
    const bargeIn = this.options.persona.definition.barge_in;
    if (!bargeIn || this.answeredOver === this.agentUtterances || this.agentUtterances !== bargeIn.agent_turn) return;
    if (this.agentSpeechFrames * FRAME_DURATION_MS < bargeIn.after_ms) return;
    this.answeredOver = this.agentUtterances;
    this.agentTurns.push(this.heardSoFar);
    this.replyOrHangUp();
  }

  /** A persona that fails to answer hangs up, as a person on a bad line would; never a lost rejection. */
  private replyOrHangUp(): void {
    this.reply().catch(() => this.contactHangsUp());
  }

  private async reply(): Promise<void> {
    const { persona } = this.options;
    const reply = await persona.reply(this.agentTurns, this.abort.signal);
    if (this.closed) return;
    if (reply === null) {
      if (persona.definition.after_replies === 'hang_up') this.contactHangsUp();
      return;
    }
    const then = reply.thenHangUp ? () => this.contactHangsUp() : undefined;
    if ('text' in reply) this.say(reply.text, then);
    else this.press(reply.keys, then);
  }

  /**
   * Keys pressed at a person's pace, each a DTMF frame as a carrier's media stream reports one
   * (Twilio's `dtmf` event); the line's audio stays silence, as Twilio's stream carries keys as events.
   */
  private press(keys: string, then?: () => void): void {
    if (this.closed) return;
    this.anyoneSpoke = true;
    [...keys].forEach((digit, i) => {
      this.later((i + 1) * keyIntervalMs, () => {
        this.queue.push({ kind: 'dtmf', digit });
        if (i === keys.length - 1) then?.();
      });
    });
  }

  /** Queues the persona's words as audio; `then` runs once the last of it has gone out. */
  private say(text: string, then?: () => void): void {
    if (!text || this.closed) return;
    this.anyoneSpoke = true;
    this.play(this.mouth.encode(text), then);
  }

  /** Queues audio toward the agent; `then` runs once the last of it has gone out. */
  private play(audio: Buffer, then?: () => void): void {
    if (this.closed) return;
    const rest = this.speech.subarray(this.speechOffset);
    this.speech = Buffer.concat([rest, audio]);
    this.speechOffset = 0;
    this.onSpoken = then;
  }

  /** Runs `fn` after `simulatedMs` unless the line closes first; returns a cancel function. */
  private later(simulatedMs: number, fn: () => void): () => void {
    // Pending timers are kept in one set the close cancels, not as a listener each on the line's
    // signal: a persona pressing a long string of keys schedules them all at once.
    const cancel = (): void => {
      this.pending.delete(cancel);
      cancelTimer();
    };
    const cancelTimer = this.options.clock.setTimer(simulatedMs, () => {
      this.pending.delete(cancel);
      if (!this.closed) fn();
    });
    this.pending.add(cancel);
    return cancel;
  }

  private contactHangsUp(): void {
    if (this.close()) this.options.onContactHangUp();
  }

  /** True the first time only. */
  private close(): boolean {
    if (this.closed) return false;
    this.closed = true;
    this.cancelTick?.();
    for (const cancel of [...this.pending]) cancel();
    this.abort.abort();
    this.queue.push({ kind: 'end', reason: 'hangup' });
    this.queue.end();
    return true;
  }
}
