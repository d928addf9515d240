/**
 * Parley's own answering-machine detector. It hears the first seconds after the answer (the
 * agent's greeting is held meanwhile) and decides `human | machine | unknown` within a bounded
 * time, from what a person and a recorded greeting do differently:
 *
 * - a person says a few words ("Hello?", "Hi, this is Mark.") and stops to hear who called;
 *   a greeting keeps talking for seconds ("Hi, you've reached John, I can't take...");
 * - a greeting ends in a beep (a steady tone no voice holds);
 * - the transcript, when speech-to-text runs, says "leave a message", "after the tone", ...
 *
 * From the audio alone the verdict never comes later than `maxAnalysisMs`: then it goes by
 * what it hears at that moment (a voice still talking is a greeting's, a pause after speech a
 * person's), so a long answer such as "Hi, this is Mark from accounting, who's calling?" that
 * is still going at the bound is called a machine. That is the price of the bound; the bench
 * measures it.
 *
 * Once speech-to-text puts words to the answer, the words decide instead of its length: a
 * greeting says so ("you've reached", "leave a message") within a sentence or two, a person
 * asks who is calling or stops to listen. Length alone then calls nothing, and a voice still
 * talking is heard until `maxAnalysisWithWordsMs`. The later verdict costs nobody a wait: a
 * person still talking is not waiting for the agent, and a person who stops is called one
 * `answerSilenceMs` later, as before.
 *
 * After a machine verdict it keeps listening and says when a message may start: when the beep
 * ends, or after the greeting has been quiet long enough, or at a cap.
 *
 * A person called so by the audio (a short answer, or a pause at the bound) gets a second look
 * for `secondLookMs`: a short greeting ("Leave a message.") sounds like a person until its beep.
 * A beep then turns the verdict into a machine, marked `revised`; the agent, already greeting,
 * is stopped as on a carrier's late verdict. Words do not revise (see pushTranscript).
 *
 * Speech is found with an energy gate over an adaptive noise floor (line noise moves it), and
 * pauses up to `pauseBridgeMs` count as part of the same stretch (commas, breaths, sentences).
 */
import { soundsLikeGreeting, soundsLikePerson } from './amd-wording.js';
import { BeepDetector } from './beep-detector.js';
import { MULAW_TO_LINEAR } from '../../media/mulaw.js';

export const AMD_VERDICTS = ['human', 'machine', 'unknown'] as const;
export type AmdVerdict = (typeof AMD_VERDICTS)[number];

/** Why the detector decided. */
export type AmdReason = 'short_answer' | 'long_greeting' | 'beep' | 'wording' | 'no_speech' | 'timeout';

export interface AmdDecision {
  readonly verdict: AmdVerdict;
  readonly reason: AmdReason;
  /** Milliseconds of answer audio heard when it decided. */
  readonly atMs: number;
  /** A second look turned an earlier `human` into this machine. */
  readonly revised?: boolean;
}

/** When a left message may start, after a machine verdict. */
export interface MessageCue {
  readonly reason: 'beep' | 'silence' | 'timeout';
  readonly atMs: number;
}

export interface AmdOptions {
  /**
   * Silence after speech that ends a person's answer. Default 800 ms: a short greeting's beep
   * comes 0.2-0.8 s after its last word and needs 200 ms to count (600 ms lost those beeps).
   */
  readonly answerSilenceMs?: number;
  /** Speech (pauses bridged) that only a greeting reaches. Default 1900 ms. */
  readonly greetingSpeechMs?: number;
  /**
   * Pauses up to this long count as speech of the same stretch. Default 450 ms: a greeting
   * pauses 300-400 ms between its sentences, and bridging them found 5% more greetings on the
   * tuning set than 200 ms did.
   */
  readonly pauseBridgeMs?: number;
  /** No speech by then: unknown. Default 3000 ms. */
  readonly noSpeechMs?: number;
  /**
   * From the audio alone the verdict is never later than this: it is taken from what was heard
   * (still talking: machine; quiet after speech: human; nothing: unknown). Default 2900 ms, under the 3 s a
   * person will wait after "Hello?" before hanging up or saying it again.
   */
  readonly maxAnalysisMs?: number;
  /**
   * After a greeting with no beep, this much quiet means it has ended. Default 1500 ms: beeps
   * come up to 1.3 s after the last word, and 1200 ms started a message under one.
   */
  readonly greetingEndSilenceMs?: number;
  /** Longest wait for the beep or the end of the greeting. Default 30000 ms. */
  readonly maxGreetingMs?: number;
  /** A frame is speech this far above the line's noise floor. Default 7 dB. */
  readonly voicedAboveFloorDb?: number;
  /**
   * The bound once speech-to-text has put words to the answer (none a greeting's or a person's
   * yet); length alone then calls no greeting. Default 4500 ms: on the labelled set's tuning
   * part, with a transcript 300 ms behind the audio, every greeting had said a stock phrase or
   * was still talking by then, and every long answer had stopped to listen.
   */
  readonly maxAnalysisWithWordsMs?: number;
  /**
   * After a `human` verdict from the audio, how long a beep still makes it a machine. Default 4000 ms: a short greeting's beep comes 0.2-1.5 s after its last word, which
   * the verdict followed by 0.8 s. 0 turns the second look off.
   */
  readonly secondLookMs?: number;
  /**
   * The latest any verdict comes: caps `maxAnalysisMs`, `maxAnalysisWithWordsMs` and `noSpeechMs`.
   * Unset, they keep their own bounds. A lower cap answers sooner and decides more answers by
   * what is heard at the cap (the bench's trade-off table; `voicemail.max_verdict_ms`).
   */
  readonly maxVerdictMs?: number | undefined;
}

export { soundsLikeGreeting, soundsLikePerson };

const FRAME_MS = 20;

export class AnsweringMachineDetector {
  private readonly beeps = new BeepDetector();
  /** The options with their defaults, the cap applied (so it is not kept itself). */
  private readonly o: Required<Omit<AmdOptions, 'maxVerdictMs'>>;
  private elapsedMs = 0;
  private floorDb: number | null = null;
  private speechStartMs: number | null = null;
  /** Speech in the current stretch (pauses bridged), and where the last voiced frame ended. */
  private stretchSpeechMs = 0;
  private lastVoicedEndMs = 0;
  private voicedRunMs = 0;
  private decided: AmdDecision | null = null;
  /** When the latest beep ended (ms of audio heard), whatever was decided. */
  private beepEndedMs: number | null = null;
  /** Speech-to-text has put words to this answer: they decide, not its length. */
  private worded = false;
  private cue: MessageCue | null = null;

  constructor(options: AmdOptions = {}) {
    const cap = options.maxVerdictMs ?? Number.POSITIVE_INFINITY;
    this.o = {
      answerSilenceMs: options.answerSilenceMs ?? 800,
      greetingSpeechMs: options.greetingSpeechMs ?? 1900,
      pauseBridgeMs: options.pauseBridgeMs ?? 450,
      noSpeechMs: Math.min(options.noSpeechMs ?? 3000, cap),
      maxAnalysisMs: Math.min(options.maxAnalysisMs ?? 2900, cap),
      greetingEndSilenceMs: options.greetingEndSilenceMs ?? 1500,
      maxGreetingMs: options.maxGreetingMs ?? 30_000,
      voicedAboveFloorDb: options.voicedAboveFloorDb ?? 7,
      maxAnalysisWithWordsMs: Math.min(options.maxAnalysisWithWordsMs ?? 4500, cap),
      secondLookMs: options.secondLookMs ?? 4000,
    };
  }

  /** The verdict, once there is one. */
  get decision(): AmdDecision | null {
    return this.decided;
  }

  /** When a message may start (machine verdicts only). */
  get messageCue(): MessageCue | null {
    return this.cue;
  }

  /**
   * When the latest beep ended, in audio heard (null: none yet). The beep is listened for as long
   * as audio is pushed, so a caller can hear one that comes after the message was cued by quiet.
   */
  get lastBeepEndMs(): number | null {
    return this.beepEndedMs;
  }

  /** Audio heard so far. */
  get heardMs(): number {
    return this.elapsedMs;
  }

  /** Whether a `human` verdict may still turn into a machine (the second look is open). */
  get looking(): boolean {
    const d = this.decided;
    return d?.verdict === 'human' && !d.revised && (d.reason === 'short_answer' || d.reason === 'timeout') && this.elapsedMs - d.atMs < this.o.secondLookMs;
  }

  /** One μ-law frame of the callee's side. Returns the verdict on the frame that made it. */
  pushAudio(frame: Uint8Array): AmdDecision | null {
    const frameMs = (frame.length * 1000) / 8000 || FRAME_MS;
    const beep = this.beeps.push(frame);
    const levelDb = levelOf(frame);
    const floorDb = this.trackFloor(levelDb, frameMs);
    const voiced = levelDb > Math.max(-48, floorDb + this.o.voicedAboveFloorDb) && !this.beeps.sounding;
    const startMs = this.elapsedMs;
    this.elapsedMs += frameMs;
    if (beep === 'end') this.beepEndedMs = this.elapsedMs;
    if (voiced) this.voiced(startMs, frameMs);
    else this.voicedRunMs = 0;

    if (this.decided?.verdict === 'machine') {
      this.watchForMessageStart(beep);
      return null;
    }
    if (this.decided) return this.looking && beep === 'start' ? this.revise('beep') : null;
    if (beep === 'start' || this.beeps.sounding) return this.decide('machine', 'beep');
    if (this.speechStartMs === null) {
      return this.elapsedMs >= Math.min(this.o.noSpeechMs, this.o.maxAnalysisMs) ? this.decide('unknown', 'no_speech') : null;
    }
    if (!this.worded && this.stretchSpeechMs >= this.o.greetingSpeechMs) return this.decide('machine', 'long_greeting');
    const quietMs = this.elapsedMs - this.lastVoicedEndMs;
    if (quietMs >= this.o.answerSilenceMs) return this.decide('human', 'short_answer');
    if (this.elapsedMs >= (this.worded ? this.o.maxAnalysisWithWordsMs : this.o.maxAnalysisMs)) {
      // Out of time: a voice still going is a greeting's; a pause longer than a word gap after
      // it is a person waiting for the caller.
      return quietMs > this.o.pauseBridgeMs ? this.decide('human', 'timeout') : this.decide('machine', 'timeout');
    }
    return null;
  }

  /**
   * A transcript of the callee's side (interim or final). Greeting wording decides `machine` at
   * once; a person's wording ("who is this?") decides `human`; other words put the wording in
   * charge instead of the length (see the class comment). Returns the verdict when the wording made it.
   */
  pushTranscript(text: string): AmdDecision | null {
    // No second look by words: once greeted, a person may well say "he's not available, can I
    // take a message?" to the agent. A beep is never a person's.
    if (this.decided) return null;
    if (/\p{L}/u.test(text)) this.worded = true;
    if (soundsLikeGreeting(text)) return this.decide('machine', 'wording');
    if (soundsLikePerson(text)) return this.decide('human', 'wording');
    return null;
  }

  private voiced(startMs: number, frameMs: number): void {
    this.voicedRunMs += frameMs;
    // One loud frame (a click, a breath) is not speech: it needs 40 ms in a row.
    if (this.voicedRunMs < 2 * frameMs) return;
    const counted = this.voicedRunMs === 2 * frameMs ? 2 * frameMs : frameMs;
    if (this.speechStartMs === null) {
      this.speechStartMs = startMs + frameMs - counted;
      this.stretchSpeechMs = 0;
    } else {
      // Short pauses (between words, at commas) count as speech of the same stretch; a longer
      // one (between sentences) starts a new stretch, but only answerSilenceMs ends the answer.
      const gap = startMs + frameMs - counted - this.lastVoicedEndMs;
      if (gap <= this.o.pauseBridgeMs) this.stretchSpeechMs += gap;
      else this.stretchSpeechMs = 0;
    }
    this.stretchSpeechMs += counted;
    this.lastVoicedEndMs = startMs + frameMs;
  }

  private watchForMessageStart(beep: 'start' | 'end' | null): void {
    if (this.cue) return;
    if (beep === 'end') this.cue = { reason: 'beep', atMs: this.elapsedMs };
    else if (!this.beeps.sounding && this.elapsedMs - this.lastVoicedEndMs >= this.o.greetingEndSilenceMs) {
      this.cue = { reason: 'silence', atMs: this.elapsedMs };
    } else if (this.elapsedMs >= this.o.maxGreetingMs) this.cue = { reason: 'timeout', atMs: this.elapsedMs };
  }

  private decide(verdict: AmdVerdict, reason: AmdReason): AmdDecision {
    this.decided = { verdict, reason, atMs: Math.round(this.elapsedMs) };
    return this.decided;
  }

  /** The second look found a machine behind a `human` verdict. */
  private revise(reason: 'beep'): AmdDecision {
    this.decided = { verdict: 'machine', reason, atMs: Math.round(this.elapsedMs), revised: true };
    return this.decided;
  }

  /**
   * The line's noise floor: it starts at the first frame's level, falls at once to a quieter
   * frame and rises slowly (3 dB a second) through noise, barely under speech, so speech does not lift it
   * but a noisier line does.
   */
  private trackFloor(levelDb: number, frameMs: number): number {
    if (this.floorDb === null || levelDb < this.floorDb) this.floorDb = Math.max(levelDb, -70);
    else if (levelDb < this.floorDb + this.o.voicedAboveFloorDb) this.floorDb += Math.min(levelDb - this.floorDb, (3 * frameMs) / 1000);
    else this.floorDb += (0.3 * frameMs) / 1000; // a floor that starts in silence must still reach a noisy line's hiss
    return this.floorDb;
  }
}

function levelOf(frame: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < frame.length; i++) {
    const sample = MULAW_TO_LINEAR[frame[i]!]!;
    sum += sample * sample;
  }
  return sum === 0 ? -90 : 10 * Math.log10(sum / frame.length / (32768 * 32768));
}
