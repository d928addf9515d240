import { describe, expect, it } from 'vitest';
import { decodeScriptedSpeech } from '../../media/scripted-speech.js';
import { levelDbOf } from '../../media/signal.js';
import { createVad } from '../audio/vad.js';
import { loadPhraseRecordings, phraseRecordingManifest, phraseSentences } from './phrase-recordings.js';
import { apologyLanguages, apologyText } from './phrases.js';

describe('recorded apologies', () => {
  it('exist for every language the apology is written in, made from its current text', () => {
    const manifest = phraseRecordingManifest();
    expect([...new Set(manifest.map((entry) => entry.language))].sort()).toEqual([...apologyLanguages].sort());
    // A phrase changed without rendering it again (scripts/record-phrases.ts) fails here.
    for (const language of apologyLanguages) {
      const recorded = manifest.filter((entry) => entry.language === language).map((entry) => entry.text);
      expect(recorded, language).toEqual(phraseSentences(apologyText(language)));
    }
  });

  it('are speech a person can hear: as long as the words, at a speaking level, and no scripted tone', () => {
    for (const [text, audio] of loadPhraseRecordings()) {
      const seconds = audio.length / 8000;
      expect(seconds, text).toBeGreaterThan(0.03 * text.length);
      expect(seconds, text).toBeLessThan(0.15 * text.length);
      expect(levelDbOf(audio), text).toBeGreaterThan(-35);
      expect(levelDbOf(audio), text).toBeLessThan(-6);
      // The VAD hears it as speech.
      const vad = createVad({ thresholdDb: -40, minSilenceMs: 200 });
      const transitions: string[] = [];
      for (let offset = 0; offset + 160 <= audio.length; offset += 160) {
        const transition = vad.process(audio.subarray(offset, offset + 160));
        if (transition) transitions.push(transition);
      }
      expect(transitions, text).toContain('speech_start');
      expect(decodeScriptedSpeech(audio), text).toBe('');
    }
  });
});
