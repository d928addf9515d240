/**
 * Offline text-to-speech with espeak-ng (Debian's `espeak-ng` package), for dev mode and
 * servers with no TTS account: a real, if robotic, voice with no network. Each flush() runs
 * `espeak-ng --stdout -v <voice> -s <wpm> --stdin` with the text on stdin, reads the WAV
 * (22.05 kHz), resamples it to 8 kHz and sends μ-law in chunks, then `flushed`. cancel()
 * kills the running synthesis. Nothing to configure in the environment; `command` points
 * at another binary (or a test fake). `isEspeakAvailable()` says whether it is installed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ProviderError } from '../../../shared/errors.js';
import { encodeMulaw } from '../../../media/mulaw.js';
import { resamplePcm16 } from '../../../media/resample.js';
import { EventChannel } from '../../shared/event-channel.js';
import type { TtsEvent, TtsProvider, TtsStream, TtsStreamOptions } from '../types.js';
import { parseWav } from '../../../media/wav.js';

const PROVIDER = 'espeak';

/** Options of the espeak-ng provider. */
export interface EspeakTtsOptions {
  /** Binary to run. Default 'espeak-ng'. */
  readonly command?: string;
  /** espeak-ng voice; a stream's `voice`, or its `language` lower-cased, wins. Default 'en-us'. */
  readonly voice?: string;
  /** Speaking rate. Default 165. */
  readonly wordsPerMinute?: number;
  /** Audio per event. Default 100. */
  readonly chunkMs?: number;
}

/** Resolves true when `command --version` runs and exits 0. */
export function isEspeakAvailable(command = 'espeak-ng'): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, ['--version'], { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

/** Creates the espeak-ng provider. */
export function createEspeakTts(options: EspeakTtsOptions = {}): TtsProvider {
  return { id: PROVIDER, openStream: (streamOptions, signal) => new EspeakTtsStream(options, streamOptions, signal) };
}

class EspeakTtsStream implements TtsStream {
  private readonly events = new EventChannel<TtsEvent>(() => this.end());
  private readonly args: string[];
  private readonly command: string;
  private readonly chunkBytes: number;
  private pendingText = '';
  private readonly jobs: string[] = [];
  private running: ChildProcess | undefined;
  private generation = 0;
  private readonly onAbort = () => this.end();

  constructor(options: EspeakTtsOptions, stream: TtsStreamOptions, private readonly signal: AbortSignal) {
    this.command = options.command ?? 'espeak-ng';
    const voice = stream.voice ?? stream.language?.toLowerCase() ?? options.voice ?? 'en-us';
    this.args = ['--stdout', '-v', voice, '-s', String(options.wordsPerMinute ?? 165), '--stdin'];
    this.chunkBytes = Math.round((options.chunkMs ?? 100) * 8);
    if (signal.aborted) this.events.end();
    else signal.addEventListener('abort', this.onAbort, { once: true });
  }

  pushText(text: string): void {
    if (!this.events.ended) this.pendingText += text;
  }

  flush(): void {
    if (this.events.ended) return;
    this.jobs.push(this.pendingText);
    this.pendingText = '';
    if (!this.running) this.runNext();
  }

  cancel(): void {
    if (this.events.ended) return;
    this.generation++;
    this.pendingText = '';
    this.jobs.length = 0;
    this.running?.kill('SIGKILL');
    this.running = undefined;
    this.events.clear((event) => event.type === 'error');
  }

  async close(): Promise<void> {
    this.end();
  }

  [Symbol.asyncIterator](): AsyncIterator<TtsEvent> {
    return this.events[Symbol.asyncIterator]();
  }

  private runNext(): void {
    const text = this.jobs.shift();
    if (text === undefined || this.events.ended) return;
    if (!text.trim()) {
      this.events.push({ type: 'flushed' });
      this.runNext();
      return;
    }
    const generation = this.generation;
    const child = spawn(this.command, this.args, { stdio: ['pipe', 'pipe', 'ignore'] });
    this.running = child;
    const output: Buffer[] = [];
    child.stdout!.on('data', (data: Buffer) => output.push(data));
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(text);
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (generation !== this.generation) return;
      const missing = error.code === 'ENOENT';
      this.fail(new ProviderError(PROVIDER, missing ? 'invalid_request' : 'server', missing ? 'espeak-ng is not installed' : 'espeak-ng could not start', { cause: error }));
    });
    child.once('close', (code) => {
      if (generation !== this.generation || this.events.ended) return;
      this.running = undefined;
      if (code !== 0) {
        this.fail(new ProviderError(PROVIDER, 'server', `espeak-ng exited with code ${code}`));
        return;
      }
      try {
        const wav = parseWav(Buffer.concat(output));
        const audio = encodeMulaw(resamplePcm16(wav.samples, wav.sampleRateHz, 8000));
        for (let offset = 0; offset < audio.length; offset += this.chunkBytes) {
          this.events.push({ type: 'audio', payload: audio.subarray(offset, offset + this.chunkBytes) });
        }
      } catch (error) {
        this.fail(new ProviderError(PROVIDER, 'server', 'espeak-ng wrote audio that could not be read', { cause: error }));
        return;
      }
      this.events.push({ type: 'flushed' });
      this.runNext();
    });
  }

  private fail(error: ProviderError): void {
    this.events.push({ type: 'error', error });
    this.end();
  }

  private end(): void {
    this.generation++;
    this.running?.kill('SIGKILL');
    this.running = undefined;
    this.signal.removeEventListener('abort', this.onAbort);
    this.events.end();
  }
}
