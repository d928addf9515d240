/**
 * Renders the apology in every language it is written in to μ-law 8 kHz, with espeak-ng through
 * Parley's own espeak provider, into src/voice/session/recordings/ with a manifest: one file per
 * sentence, cut by the session's own sentence splitter, since the session hands its TTS one
 * sentence at a time. Run it after
 * changing a phrase in src/voice/session/phrases.ts (Debian: `apt-get install espeak-ng`):
 *
 *   npx tsx scripts/record-phrases.ts
 */
import { writeFileSync } from 'node:fs';
import { isEspeakAvailable, createEspeakTts } from '../src/voice/tts/espeak/index.js';
import { apologyLanguages, apologyText } from '../src/voice/session/phrases.js';
import { phraseRecordingsFolder, phraseSentences, type PhraseRecording } from '../src/voice/session/phrase-recordings.js';

/** espeak-ng's voice for each language; the American voice for English, the Brazilian for Portuguese. */
const voices: Readonly<Record<string, string>> = { en: 'en-us', pt: 'pt-br' };
const wordsPerMinute = 160;

async function render(text: string, voice: string): Promise<Buffer> {
  const tts = createEspeakTts({ voice, wordsPerMinute });
  const stream = tts.openStream({ voice }, new AbortController().signal);
  stream.pushText(text);
  stream.flush();
  const parts: Buffer[] = [];
  for await (const event of stream) {
    if (event.type === 'audio') parts.push(event.payload);
    if (event.type === 'error') throw event.error;
    if (event.type === 'flushed') break;
  }
  await stream.close();
  return Buffer.concat(parts);
}

async function main(): Promise<void> {
  if (!(await isEspeakAvailable())) throw new Error('espeak-ng is not installed (Debian: apt-get install espeak-ng)');
  const manifest: PhraseRecording[] = [];
  for (const language of apologyLanguages) {
    const voice = voices[language] ?? language;
    for (const [index, text] of phraseSentences(apologyText(language)).entries()) {
      const audio = await render(text, voice);
      const file = `apology.${language}.${index + 1}.ulaw`;
      writeFileSync(new URL(file, phraseRecordingsFolder), audio);
      manifest.push({ language, text, voice, file });
      process.stdout.write(`${file}: ${(audio.length / 8000).toFixed(1)} s  ${text}\n`);
    }
  }
  writeFileSync(new URL('manifest.json', phraseRecordingsFolder), `${JSON.stringify(manifest, null, 2)}\n`);
}

await main();
