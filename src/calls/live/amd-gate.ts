/**
 * Parley's own answering-machine detection on an answered audio line: every inbound frame
 * feeds the detector from the first one, while the frames are held back from the conversation
 * (the greeting waits). The verdict (`human | machine | unknown`, within the detector's bound)
 * releases them all, so the speech-to-text still hears the "Hello?"; after a machine verdict the
 * detector keeps listening and says when a message may start (the beep's end, or the greeting's).
 */
import type { AudioLine } from '../../telephony/types.js';
import type { Frame } from '../../media/frames.js';
import { AsyncQueue } from '../../shared/async-queue.js';
import { AnsweringMachineDetector, type AmdDecision, type MessageCue } from '../../voice/audio/answering-machine.js';

export interface AmdGate {
  /** The line to converse on: its frames flow once the verdict is in. */
  readonly line: AudioLine;
  readonly verdict: Promise<AmdDecision>;
  /** When a message may start (machine verdicts); null if the line ended first. */
  readonly messageCue: Promise<MessageCue | null>;
}

export function gateOnAmd(line: AudioLine, detector = new AnsweringMachineDetector()): AmdGate {
  const queue = new AsyncQueue<Frame>();
  let decide!: (decision: AmdDecision) => void;
  const verdict = new Promise<AmdDecision>((resolve) => (decide = resolve));
  let cue!: (cue: MessageCue | null) => void;
  const messageCue = new Promise<MessageCue | null>((resolve) => (cue = resolve));
  let decided = false;
  let cued = false;
  void (async () => {
    try {
      for await (const frame of line.frames) {
        queue.push(frame);
        if (frame.kind !== 'audio') continue;
        if (!decided || !cued) detector.pushAudio(frame.payload);
        if (!decided && detector.decision) {
          decided = true;
          decide(detector.decision);
          if (detector.decision.verdict !== 'machine') {
            cued = true;
            cue(null);
          }
        }
        if (decided && !cued && detector.messageCue) {
          cued = true;
          cue(detector.messageCue);
        }
      }
    } finally {
      queue.end();
      if (!decided) decide({ verdict: 'unknown', reason: 'timeout', atMs: Math.round(detector.heardMs) });
      if (!cued) cue(null);
    }
  })();
  return {
    line: { mode: 'audio', frames: queue, send: (frame) => line.send(frame), hangUp: () => line.hangUp() },
    verdict,
    messageCue,
  };
}
