// Energy VAD: onset and endpoint times, hysteresis in level and time.
import { describe, expect, it } from 'vitest';
import { createVad, type VadTransition } from './vad.js';
import { silenceMulaw, sineMulaw, sliceFrames, speechLikeMulaw } from '../../media/signal.js';

function run(vad: ReturnType<typeof createVad>, audio: Buffer): Array<{ at: number; t: VadTransition }> {
  const events: Array<{ at: number; t: VadTransition }> = [];
  for (const frame of sliceFrames(audio)) {
    const t = vad.process(frame);
    if (t) events.push({ at: vad.elapsedMs, t });
  }
  return events;
}

describe('createVad', () => {
  it('reports speech start at the onset and end at the start of the silence', () => {
    const vad = createVad({ minSpeechMs: 60, minSilenceMs: 300 });
    const audio = Buffer.concat([silenceMulaw(200), sineMulaw({ durationMs: 1000 }), silenceMulaw(500)]);
    const events = run(vad, audio);
    expect(events).toEqual([
      { at: 260, t: 'speech_start' },
      { at: 1500, t: 'speech_end' },
    ]);
    expect(vad.speechStartMs).toBe(200);
    expect(vad.speechEndMs).toBe(1200);
  });

  it('treats speech-like syllables with short gaps as one stretch of speech', () => {
    const vad = createVad();
    const audio = Buffer.concat([silenceMulaw(200), speechLikeMulaw({ durationMs: 1200 }), silenceMulaw(500)]);
    expect(run(vad, audio).map((e) => e.t)).toEqual(['speech_start', 'speech_end']);
    // The raised-cosine envelope is quiet at its edges: the onset lands within the first 40 ms.
    expect(vad.speechStartMs).toBeGreaterThanOrEqual(200);
    expect(vad.speechStartMs).toBeLessThanOrEqual(240);
    expect(vad.speechEndMs).toBeGreaterThan(1300);
    expect(vad.speechEndMs).toBeLessThanOrEqual(1400);
  });

  it('ignores clicks shorter than minSpeechMs', () => {
    const vad = createVad({ minSpeechMs: 100 });
    const audio = Buffer.concat([silenceMulaw(100), sineMulaw({ durationMs: 60 }), silenceMulaw(400)]);
    expect(run(vad, audio)).toEqual([]);
    expect(vad.speaking).toBe(false);
  });

  it('holds speech through gaps shorter than minSilenceMs (hysteresis in time)', () => {
    const vad = createVad({ minSilenceMs: 300 });
    const audio = Buffer.concat([
      sineMulaw({ durationMs: 200 }),
      silenceMulaw(200),
      sineMulaw({ durationMs: 200 }),
      silenceMulaw(320),
    ]);
    expect(run(vad, audio).map((e) => e.t)).toEqual(['speech_start', 'speech_end']);
  });

  it('keeps speaking while the level falls just under the start threshold (hysteresis in level)', () => {
    const vad = createVad({ thresholdDb: -30, hysteresisDb: 6, minSilenceMs: 100 });
    // 0.05 of full scale is about -29 dBFS RMS; 0.03 is about -33.5: below start, above release.
    const audio = Buffer.concat([sineMulaw({ durationMs: 200, amplitude: 0.05 }), sineMulaw({ durationMs: 400, amplitude: 0.03 })]);
    expect(run(vad, audio).map((e) => e.t)).toEqual(['speech_start']);
    expect(vad.speaking).toBe(true);
    const quiet = createVad({ thresholdDb: -30 });
    expect(run(quiet, sineMulaw({ durationMs: 400, amplitude: 0.03 }))).toEqual([]);
  });

  it('accepts the threshold as a linear RMS amplitude', () => {
    const loud = createVad({ threshold: 1000 });
    expect(run(loud, sineMulaw({ durationMs: 200, amplitude: 0.05 }))).toHaveLength(1);
    const deaf = createVad({ threshold: 5000 });
    expect(run(deaf, sineMulaw({ durationMs: 200, amplitude: 0.05 }))).toHaveLength(0);
  });

  it('measures frames of any length in audio time and starts over on reset', () => {
    const vad = createVad();
    vad.process(silenceMulaw(10));
    vad.process(silenceMulaw(35));
    expect(vad.elapsedMs).toBe(45);
    expect(vad.lastLevelDb).toBe(-Infinity);
    vad.process(sineMulaw({ durationMs: 20, amplitude: 0.3 }));
    expect(vad.lastLevelDb).toBeGreaterThan(-14);
    expect(vad.lastLevelDb).toBeLessThan(-12);
    vad.reset();
    expect(vad.elapsedMs).toBe(0);
    expect(vad.process(new Uint8Array(0))).toBeNull();
  });
});
