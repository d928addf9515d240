/**
 * An audio line that records what it carries: every inbound audio frame to the callee's
 * channel, every outbound audio frame to the agent's, and an interruption (the carrier's
 * buffer cleared at a barge-in) cuts the agent's channel where the callee stopped hearing.
 * Works on any carrier, since it sees only frames.
 */
import type { AudioLine } from '../telephony/types.js';
import type { Frame } from '../media/frames.js';
import type { CallRecorder } from './call-recorder.js';

/** Wraps `line`; `onEnd` runs once when its frames end (the call's audio is over). */
export function recordedLine(line: AudioLine, recorder: CallRecorder, onEnd: () => void): AudioLine {
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    onEnd();
  };
  const frames: AsyncIterable<Frame> = {
    async *[Symbol.asyncIterator]() {
      try {
        for await (const frame of line.frames) {
          if (frame.kind === 'audio') recorder.calleeAudio(frame.payload);
          yield frame;
        }
      } finally {
        end();
      }
    },
  };
  return {
    mode: 'audio',
    frames,
    send(frame: Frame) {
      if (frame.kind === 'audio') recorder.agentAudio(frame.payload);
      else if (frame.kind === 'interruption') recorder.cutAgent();
      line.send(frame);
    },
    hangUp() {
      line.hangUp();
    },
  };
}
