/**
 * Answering machines, for every lane: who decides whether a machine answered (`detectionFor`),
 * and what a verdict means for the call (`verdictPlan`). The text lane and the voice lane both
 * ask `verdictPlan` and carry out what it says, so a machine is treated the same whichever lane
 * and whichever detector (the carrier's or Parley's) heard it.
 */
import type { VoicemailSettings } from './agent-settings.js';
import { endOf, type CallEnd } from './outcome.js';

export const amdDetections = ['off', 'carrier', 'parley'] as const;
/** Who decides whether a machine answered. */
export type AmdDetection = (typeof amdDetections)[number];

export const amdVerdicts = ['human', 'machine', 'unknown'] as const;
export type AmdVerdictKind = (typeof amdVerdicts)[number];

/** A verdict on who answered, from whichever detector gave it. */
export interface AnswerVerdict {
  readonly verdict: AmdVerdictKind;
  readonly source: 'carrier' | 'parley';
  /** Why: Parley's detector's reason (short_answer, long_greeting, beep, wording, keypad, ...) or the carrier's own word (machine_start, ...). */
  readonly reason: string | null;
  /** From the answer to the verdict (0 when the carrier knew at answer), when known. */
  readonly timeToVerdictMs: number | null;
  /** Parley's second look turned its earlier `human` into this machine. */
  readonly revised?: boolean;
}

/** What the line a call is answered on can do about machines. */
export interface DetectionLine {
  /** The carrier reports machines itself (Twilio's AMD; the simulated network knows who answers). */
  readonly carrierDetects: boolean;
  /** The detection when the agent sets none: `carrier` where the carrier detects, else `parley`; `off` where no machine answers (a browser). */
  readonly defaultDetection: AmdDetection;
  /** The line carries audio Parley's own detector can hear. */
  readonly audio: boolean;
}

/**
 * The detection a call runs: the agent's `voicemail.detection` when the line can carry it out,
 * else the line's default. A line no machine answers (a browser) runs none. A line without audio
 * cannot run Parley's detector: the carrier's knowledge stands in (the simulated text lane knows
 * who answers). A carrier that does not detect cannot give `carrier`: Parley's detector hears the audio.
 */
export function detectionFor(settings: VoicemailSettings | undefined, line: DetectionLine): AmdDetection {
  if (line.defaultDetection === 'off' && !line.carrierDetects) return 'off';
  const wanted = settings?.detection ?? line.defaultDetection;
  if (wanted === 'parley' && !line.audio) return line.carrierDetects ? 'carrier' : 'off';
  if (wanted === 'carrier' && !line.carrierDetects) return line.audio ? 'parley' : 'off';
  return wanted;
}

/** What a verdict means for the call. */
export type VerdictPlan =
  /** A person, or nobody could tell: the agent greets and the conversation runs. */
  | { readonly kind: 'converse' }
  /** A machine, and the agent leaves no message: the call ends `voicemail` now, nothing said. */
  | { readonly kind: 'hang_up'; readonly end: CallEnd }
  /**
   * A machine, and a message is left once the greeting is over (its beep, or its end): `message`
   * word for word, rendered from the call's variables, or, when null, the agent's own (a flow's
   * `voicemail` text, a prompt agent's model), which may also decline and hang up.
   */
  | { readonly kind: 'leave_message'; readonly message: string | null; readonly end: CallEnd };

/**
 * The one rule for both lanes. `render` fills a message's {{variables}} from the call.
 * `hang_up` (also what an agent with no `voicemail` setting gets) hangs up at once;
 * `leave_message` waits for the greeting to end and leaves the configured message, or without one
 * the agent's own (a flow's `voicemail` text, a prompt agent's model).
 */
export function verdictPlan(verdict: AmdVerdictKind, settings: VoicemailSettings | undefined, render: (template: string) => string): VerdictPlan {
  if (verdict !== 'machine') return { kind: 'converse' };
  const left = endOf({ kind: 'machine', messageLeft: true }, 'voice')!;
  if (!settings || settings.action === 'hang_up') return { kind: 'hang_up', end: endOf({ kind: 'machine', messageLeft: false }, 'voice')! };
  const message = settings.message?.trim() ? render(settings.message) : null;
  return { kind: 'leave_message', message, end: left };
}
