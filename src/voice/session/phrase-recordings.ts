/**
 * Recorded speech for the apology, the one thing the offline voice ever says. When every TTS of
 * a call has failed, the scripted voice stands in, and on a real phone its in-band text is a
 * buzzing tone; the apology is played from these recordings instead, so the callee hears words.
 * They are μ-law 8 kHz files rendered once by espeak-ng (`npx tsx scripts/record-phrases.ts`)
 * and committed, so no server needs espeak-ng; the manifest keeps the text each was made from,
 * and a test fails when a phrase changes and its recording was not rendered again.
 */
import { readFileSync } from 'node:fs';
import { SentenceSplitter } from '../../llm/sentences.js';

const folder = new URL('./recordings/', import.meta.url);

/** One recording (one sentence of a phrase) as the manifest lists it. */
export interface PhraseRecording {
  readonly language: string;
  /** One sentence, as the session's splitter cuts the phrase (the TTS gets a sentence at a time). */
  readonly text: string;
  /** The espeak-ng voice it was rendered with. */
  readonly voice: string;
  /** File name in the recordings folder. */
  readonly file: string;
}

export function phraseRecordingManifest(): readonly PhraseRecording[] {
  return JSON.parse(readFileSync(new URL('manifest.json', folder), 'utf8')) as PhraseRecording[];
}

/** Text -> μ-law audio, for the scripted TTS's `recordings`. Read once at start. */
export function loadPhraseRecordings(): ReadonlyMap<string, Buffer> {
  return new Map(phraseRecordingManifest().map((entry) => [entry.text, readFileSync(new URL(entry.file, folder))]));
}

/** A phrase cut into the sentences the session will hand its TTS, one by one. */
export function phraseSentences(phrase: string): string[] {
  const splitter = new SentenceSplitter();
  return [...splitter.push(phrase), ...splitter.flush()].map((sentence) => sentence.trim());
}

/** Where the recordings live, for the script that renders them. */
export const phraseRecordingsFolder = folder;
