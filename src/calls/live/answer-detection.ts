/**
 * Who answered a live call, for the runtime and its lane: the carrier's verdict (known at answer,
 * or its async AMD later) or Parley's own detector, which hears every inbound frame of the line
 * and the speech-to-text's words while the lane holds the agent's greeting. A machine verdict
 * then waits for the message cue: the carrier's (Twilio's machine_end_beep|silence|other) or
 * the detector's (the beep's end, the greeting's end), capped so a message is never waited for
 * forever. With detection `off` nothing is decided and nothing is held.
 */
import type { AnswerInfo } from '../../conversation/host.js';
import type { AmdDetection, AmdVerdictKind, AnswerVerdict } from '../../conversation/voicemail.js';
import type { AudioLine } from '../../media/audio-line.js';
import type { Frame } from '../../media/frames.js';
import type { LineClock } from '../../media/line-clock.js';
import { AnsweringMachineDetector, type AmdDecision } from '../../voice/audio/answering-machine.js';

/** When a machine's message may start, and what said so. */
export interface MessageCueRecord {
  readonly reason: 'beep' | 'silence' | 'other' | 'timeout';
  /** Milliseconds after the answer. */
  readonly atMs: number;
}

export interface AnswerDetectionOptions {
  readonly detection: AmdDetection;
  /** The line's time (the carrier's clock): times to verdict and cue are measured on it. */
  readonly clock: LineClock;
  readonly onVerdict: (verdict: AnswerVerdict) => void;
  readonly onCue: (cue: MessageCueRecord) => void;
  /** Parley's detector for the call (the agent's settings applied). Default: one with its defaults. */
  readonly detector?: () => AnsweringMachineDetector;
  /** After a machine verdict, the longest wait for its greeting to end. Default 30 s (Twilio's own AMD cap). */
  readonly maxGreetingMs?: number;
  /** A beep after a message cued by anything else: when it ended, in ms after the answer. */
  readonly onLateBeep?: (cue: MessageCueRecord) => void;
  /**
   * After a message cued by anything but a beep, how long a beep still means the greeting was not
   * over (in audio heard). Default 6000 ms: a message is seconds long, and a machine's greeting
   * that paused 1.5 s before its beep beeps within a few seconds of the pause.
   */
  readonly lateBeepMs?: number;
}

export class AnswerDetection implements AnswerInfo {
  readonly held: Promise<void> | null;
  readonly machineDetected: Promise<void>;
  readonly messageCue: Promise<void>;
  readonly lateBeep: Promise<void>;
  /** The verdict once in; null when the call ended (or detection is off) without one. */
  readonly decided: Promise<AnswerVerdict | null>;
  private verdict: AnswerVerdict | null = null;
  private cued: MessageCueRecord | undefined;
  /** Audio heard when the message was cued by something other than a beep: the late beep's window opens there. */
  private cuedAtHeardMs = 0;
  /** Nothing more for the detector to decide: set once, so the rest of the call's frames cost one check. */
  private doneListening = false;
  private settled = false;
  private answeredAt: number | undefined;
  private detector: AnsweringMachineDetector | undefined;
  private cancelCap: (() => void) | undefined;
  /** Audio heard on the tapped line, and how much of it when the machine verdict came. */
  private heardMs = 0;
  private machineAtMs = 0;
  private resolveDecided!: (verdict: AnswerVerdict | null) => void;
  private resolveMachine!: () => void;
  private resolveCue!: () => void;
  private resolveLateBeep!: () => void;

  constructor(private readonly options: AnswerDetectionOptions) {
    this.decided = new Promise((resolve) => (this.resolveDecided = resolve));
    this.machineDetected = new Promise((resolve) => (this.resolveMachine = resolve));
    this.messageCue = new Promise((resolve) => (this.resolveCue = resolve));
    this.lateBeep = new Promise((resolve) => (this.resolveLateBeep = resolve));
    this.held = options.detection === 'parley' ? this.decided.then(() => undefined) : null;
    if (options.detection === 'off') this.resolveDecided(null);
  }

  /** The verdict so far. */
  get current(): AnswerVerdict | null {
    return this.verdict;
  }

  get detection(): AmdDetection {
    return this.options.detection;
  }

  machine(): boolean {
    return this.verdict?.verdict === 'machine';
  }

  /** The carrier answered; `answeredBy` is its verdict when it knew at once ('unknown': not yet). */
  carrierAnswered(answeredBy: AmdVerdictKind): void {
    this.answeredAt ??= Date.now();
    if (this.options.detection === 'carrier' && answeredBy !== 'unknown') {
      this.decide({ verdict: answeredBy, source: 'carrier', reason: answeredBy === 'machine' ? 'machine_at_answer' : 'human_at_answer', timeToVerdictMs: 0 });
    }
  }

  /**
   * The carrier's answering-machine detection finished after the answer (Twilio's AsyncAmd):
   * `detail` is its own word (machine_start, machine_end_beep, ...), `cue` what ended the greeting.
   */
  carrierDetected(answeredBy: AmdVerdictKind, cue: 'beep' | 'silence' | 'other' | null, detail: string | null): void {
    if (this.options.detection !== 'carrier') return;
    this.answeredAt ??= Date.now();
    this.decide({ verdict: answeredBy, source: 'carrier', reason: detail, timeToVerdictMs: this.sinceAnswerMs() });
    if (answeredBy === 'machine' && cue) this.cue({ reason: cue, atMs: this.sinceAnswerMs() });
  }

  /**
   * The line to converse on. Every inbound audio frame feeds the detector (Parley's verdict, and
   * the message cue after any machine verdict); frames pass through untouched, so the
   * speech-to-text hears the "Hello?" the held greeting then answers.
   */
  tap(line: AudioLine): AudioLine {
    if (this.options.detection === 'off') return line;
    this.answeredAt ??= Date.now();
    const detector = (this.detector = this.options.detector?.() ?? new AnsweringMachineDetector());
    const frames: AsyncIterable<Frame> = {
      [Symbol.asyncIterator]: () => {
        const inner = line.frames[Symbol.asyncIterator]();
        return {
          next: async () => {
            const next = await inner.next();
            if (next.done) this.settle();
            else if (next.value.kind === 'audio') this.hearAudio(detector, next.value.payload);
            else if (next.value.kind === 'dtmf') this.hearKey();
            return next;
          },
          return: async () => {
            this.settle();
            return (await inner.return?.()) ?? { done: true, value: undefined };
          },
        };
      },
    };
    return { mode: 'audio', frames, send: (frame) => line.send(frame), hangUp: () => line.hangUp() };
  }

  hear(text: string): void {
    if (this.options.detection !== 'parley' || this.verdict || !this.detector || !text.trim()) return;
    const decision = this.detector.pushTranscript(text);
    if (decision) this.decide({ verdict: decision.verdict, source: 'parley', reason: decision.reason, timeToVerdictMs: decision.atMs });
  }

  /**
   * A key pressed on the line while Parley's detector listens: a machine's greeting presses no keys,
   * so whoever pressed one is a person, and the held greeting is released at once (the key then
   * reaches the conversation like any other).
   */
  private hearKey(): void {
    if (this.options.detection !== 'parley' || this.verdict || this.settled) return;
    this.decide({ verdict: 'human', source: 'parley', reason: 'keypad', timeToVerdictMs: Math.round(this.heardMs) });
  }

  /** The line or the call is over: whatever was awaited resolves (no verdict, no cue). */
  settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.cancelCap?.();
    this.resolveDecided(this.verdict);
  }

  private hearAudio(detector: AnsweringMachineDetector, payload: Uint8Array): void {
    // Done listening once a message was cued (and any late beep's window closed), or once a person
    // (or nobody the detector could judge) answered and the second look is over: nothing after
    // that needs the detector, and this runs for every frame of the call.
    if (this.doneListening) return;
    if (this.cued) return this.listenForLateBeep(detector, payload);
    if (this.verdict && this.verdict.verdict !== 'machine' && !detector.looking) {
      this.doneListening = true;
      return;
    }
    this.heardMs += payload.length / 8;
    detector.pushAudio(payload);
    const decision = detector.decision;
    if (!this.verdict && decision && this.options.detection === 'parley') {
      this.decide({ verdict: decision.verdict, source: 'parley', reason: decision.reason, timeToVerdictMs: decision.atMs });
    } else if (decision?.revised) this.revise(decision);
    // After any machine verdict (the carrier's machine_start too), the detector says when the greeting is over.
    if (this.machine() && decision?.verdict === 'machine' && detector.messageCue) {
      this.cue({ reason: detector.messageCue.reason, atMs: detector.messageCue.atMs });
    } else if (this.machine() && this.heardMs - this.machineAtMs >= this.capMs) {
      // The carrier said machine but the detector never did (a machine_start it heard as a short answer): the cap, in audio heard.
      this.cue({ reason: 'timeout', atMs: this.sinceAnswerMs() });
    }
  }

  /**
   * After a message cued by quiet (or the carrier's word, or the cap), a beep still to come means
   * the machine starts recording only now: the late beep is reported once, within its window.
   */
  private listenForLateBeep(detector: AnsweringMachineDetector, payload: Uint8Array): void {
    if (this.cued?.reason === 'beep' || this.heardMs - this.cuedAtHeardMs > (this.options.lateBeepMs ?? 6000)) {
      this.doneListening = true;
      return;
    }
    this.heardMs += payload.length / 8;
    detector.pushAudio(payload);
    const endedAt = detector.lastBeepEndMs;
    if (endedAt === null || endedAt <= this.cuedAtHeardMs) return;
    this.doneListening = true;
    this.options.onLateBeep?.({ reason: 'beep', atMs: this.sinceAnswerMs() });
    this.resolveLateBeep();
  }

  /**
   * Parley's second look found a machine behind its `human` (a short greeting's beep):
   * the machine verdict follows, and the lane stops the agent as on a carrier's late verdict.
   */
  private revise(decision: AmdDecision): void {
    if (this.options.detection !== 'parley' || this.verdict?.verdict !== 'human' || this.settled) return;
    this.verdict = null;
    this.decide({ verdict: 'machine', source: 'parley', reason: decision.reason, timeToVerdictMs: decision.atMs, revised: true });
  }

  private decide(verdict: AnswerVerdict): void {
    if (this.verdict || this.settled) return;
    this.verdict = verdict;
    this.options.onVerdict(verdict);
    this.resolveDecided(verdict);
    if (verdict.verdict !== 'machine') return;
    this.resolveMachine();
    this.machineAtMs = this.heardMs;
    // On a tapped line the cap counts audio heard (a stalled event loop cannot fire it early); on a
    // line the detector does not hear (a text line) it counts the line's time.
    if (!this.detector) this.cancelCap = this.options.clock.setTimer(this.capMs, () => this.cue({ reason: 'timeout', atMs: this.sinceAnswerMs() }));
  }

  private get capMs(): number {
    return this.options.maxGreetingMs ?? 30_000;
  }

  private cue(cue: MessageCueRecord): void {
    if (this.cued || this.settled) return;
    this.cued = cue;
    this.cuedAtHeardMs = this.heardMs;
    this.cancelCap?.();
    this.options.onCue(cue);
    this.resolveCue();
  }

  private sinceAnswerMs(): number {
    return this.answeredAt === undefined ? 0 : this.options.clock.elapsedMs(this.answeredAt);
  }
}
