/**
 * One WebSocket to a speech vendor, with every way it can fail folded into one ProviderError:
 * a refused upgrade (HTTP status), no route, a handshake timeout, or an abnormal close.
 * Shared by the STT and TTS providers so they classify failures the same way.
 */
import WebSocket from 'ws';
import { ProviderError } from '../../shared/errors.js';

/** Where and how to connect. The URL may carry a key (Cartesia): it never reaches an error. */
export interface VendorSocketOptions {
  readonly provider: string;
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly connectTimeoutMs: number;
}

/** Callbacks of one connection; after `onFailure` or `onClose` nothing else is called. */
export interface VendorSocketHandlers {
  onOpen(): void;
  onMessage(data: Buffer, isBinary: boolean): void;
  /** The connection could not open, or dropped. `opened` says whether it had opened first. */
  onFailure(error: ProviderError, opened: boolean): void;
  /** A clean close (1000 or no status) by either side. */
  onClose(code: number): void;
}

/** Maps a close code (and the vendor's reason text) to an error; null for a clean close. */
export function errorOfClose(provider: string, code: number, reason: string): ProviderError | null {
  if (code === 1000 || code === 1005) return null;
  const message = `${provider} closed the connection (code ${code})`;
  const details = { statusCode: undefined, cause: reason ? new Error(reason) : undefined };
  if (code === 1008 || (code >= 4000 && code < 5000)) {
    if (/auth|api[ _-]?key|unauthori[sz]ed|forbidden|credential/i.test(reason)) {
      return new ProviderError(provider, 'auth', message, details);
    }
    if (/quota|credit|insufficient|payment/i.test(reason)) return new ProviderError(provider, 'quota', message, details);
    if (/rate|too many|concurren/i.test(reason)) return new ProviderError(provider, 'rate_limit', message, details);
    if (/time ?out|timed out|inactiv|idle/i.test(reason)) return new ProviderError(provider, 'connectivity', message, details);
    return new ProviderError(provider, 'invalid_request', message, details);
  }
  if (code === 1006) return new ProviderError(provider, 'connectivity', message, details);
  if (code === 1001 || code === 1011 || code === 1012 || code === 1013 || code === 1014) {
    return new ProviderError(provider, 'server', message, details);
  }
  if (code === 1002 || code === 1003 || code === 1007 || code === 1009) {
    return new ProviderError(provider, 'invalid_request', message, details);
  }
  return new ProviderError(provider, 'unknown', message, { ...details, retryable: true });
}

/** A vendor connection that reports through handlers; see VendorSocketHandlers. */
export class VendorSocket {
  private readonly ws: WebSocket;
  private done = false;
  private opened = false;
  private readonly closedPromise: Promise<void>;

  constructor(options: VendorSocketOptions, private readonly handlers: VendorSocketHandlers) {
    const { provider } = options;
    this.ws = new WebSocket(options.url, {
      headers: { ...options.headers },
      handshakeTimeout: options.connectTimeoutMs,
      perMessageDeflate: false,
    });
    this.closedPromise = new Promise((resolve) => this.ws.once('close', () => resolve()));
    this.ws.on('unexpected-response', (request, response) => {
      const status = response.statusCode ?? 0;
      response.resume();
      request.destroy();
      this.fail(ProviderError.fromStatus(provider, status, `${provider} refused the connection (HTTP ${status})`, undefined, requestIdOf(response.headers)));
    });
    this.ws.on('open', () => {
      if (this.done) return;
      this.opened = true;
      this.handlers.onOpen();
    });
    this.ws.on('message', (data, isBinary) => {
      if (this.done) return;
      this.handlers.onMessage(toBuffer(data), isBinary);
    });
    this.ws.on('error', (error) => {
      const timedOut = /handshake has timed out/i.test(error.message);
      const message = timedOut ? `${provider} did not answer the connection in time` : `${provider} connection failed`;
      this.fail(new ProviderError(provider, 'connectivity', message, { cause: error }));
    });
    this.ws.on('close', (code, reasonBuffer) => {
      if (this.done) return;
      const error = errorOfClose(provider, code, reasonBuffer.toString('utf8'));
      if (error) {
        this.fail(error);
        return;
      }
      this.done = true;
      this.handlers.onClose(code);
    });
  }

  /** True while messages can be sent. */
  get isOpen(): boolean {
    return !this.done && this.ws.readyState === WebSocket.OPEN;
  }

  /** Resolves once the underlying socket has closed, however it closed. */
  get closed(): Promise<void> {
    return this.closedPromise;
  }

  /** Sends a text (JSON) or binary (audio) message; false when the socket is not open. */
  send(data: string | Buffer): boolean {
    if (!this.isOpen) return false;
    this.ws.send(data);
    return true;
  }

  /** Starts a clean close; `onClose` follows when the vendor answers. */
  close(code = 1000): void {
    if (this.ws.readyState === WebSocket.CONNECTING) {
      this.terminate();
      return;
    }
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(code);
  }

  /** Drops the connection at once; no handler is called afterwards. */
  terminate(): void {
    this.done = true;
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
  }

  private fail(error: ProviderError): void {
    if (this.done) return;
    this.done = true;
    if (this.ws.readyState !== WebSocket.CLOSED && this.ws.readyState !== WebSocket.CLOSING) this.ws.terminate();
    this.handlers.onFailure(error, this.opened);
  }
}

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** The vendor's id of a refused upgrade request: Deepgram sends `dg-request-id`, others `request-id` or `x-request-id`. */
function requestIdOf(headers: Readonly<Record<string, string | string[] | undefined>>): string | undefined {
  for (const name of ['dg-request-id', 'request-id', 'x-request-id']) {
    const value = headers[name];
    if (value) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}
