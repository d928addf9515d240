/**
 * Renders the simulated network's answering-machine greeting (numbers ending in 3) to μ-law
 * 8 kHz with espeak-ng, into src/telephony/sim/audio/recordings/. The beep is not in the file:
 * the sim line plays it as a tone after the greeting. Debian: `apt-get install espeak-ng`.
 *
 *   npx tsx scripts/record-sim-voicemail.ts
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { encodeMulaw } from '../src/media/mulaw.js';
import { resamplePcm16 } from '../src/media/resample.js';
import { parseWav } from '../src/media/wav.js';

export const SIM_VOICEMAIL_GREETING =
  "Hi, you've reached the voicemail of Alex. I can't come to the phone right now. Please leave a message after the tone.";

const wav = execFileSync('espeak-ng', ['--stdout', '-v', 'en-us+f3', '-s', '165', SIM_VOICEMAIL_GREETING]);
const { samples, sampleRateHz } = parseWav(wav);
const audio = encodeMulaw(resamplePcm16(samples, sampleRateHz, 8000));
writeFileSync(new URL('../src/telephony/sim/audio/recordings/voicemail-greeting.ulaw', import.meta.url), audio);
process.stdout.write(`voicemail-greeting.ulaw: ${(audio.length / 8000).toFixed(1)} s\n`);
