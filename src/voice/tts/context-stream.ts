/**
 * A TtsStream over one vendor WebSocket that carries one context per utterance (ElevenLabs
 * multi-stream-input, Cartesia). The vendor part is a small `ContextWire` that builds and
 * parses messages; this class owns the socket's life: it connects at once (so the first
 * utterance does not pay the handshake), queues messages while connecting, reconnects lazily
 * when the vendor closed an idle socket, and turns a failure with work pending into one
 * `error` event, after which the stream ends. A socket lost before any audio of the pending
 * utterances came back (the vendor timing out an idle socket just as new text goes out) is
 * reopened and the utterances' messages replayed, once, without an error.
 */
import { ProviderError } from '../../shared/errors.js';
import { EventChannel } from '../shared/event-channel.js';
import { VendorSocket, type VendorSocketOptions } from '../shared/vendor-socket.js';
import { ContextSequencer } from './context-sequencer.js';
import type { TtsEvent, TtsStream } from './types.js';

/** What the vendor said, in terms the stream understands. */
export type WireEvent =
  | { readonly type: 'audio'; readonly contextId: string; readonly payload: Buffer }
  | { readonly type: 'done'; readonly contextId: string }
  | { readonly type: 'error'; readonly contextId?: string; readonly error: ProviderError };

/** The vendor-specific half: where to connect and the JSON of each message. */
export interface ContextWire {
  readonly provider: string;
  socketOptions(): VendorSocketOptions;
  /** Messages carrying `text` into a context; `first` marks the context's first text. */
  textMessages(contextId: string, text: string, first: boolean): string[];
  /** Messages ending a context's text so all of it is spoken. */
  flushMessages(contextId: string): string[];
  /** Messages stopping a context at once; `flushed` says whether its flush messages went out. */
  cancelMessages(contextId: string, flushed: boolean): string[];
  /** A goodbye before closing the socket, if the vendor has one. */
  closeMessage(): string | null;
  parse(data: Buffer, isBinary: boolean): WireEvent | null;
}

type State = 'connecting' | 'open' | 'idle' | 'closing' | 'closed';

/** See the module comment. */
export class ContextTtsStream implements TtsStream {
  private readonly events = new EventChannel<TtsEvent>(() => this.shutdown());
  private readonly sequencer = new ContextSequencer((event) => this.events.push(event));
  private socket: VendorSocket | undefined;
  private state: State = 'idle';
  private pending: string[] = [];
  private current: string | null = null;
  private contextCount = 0;
  private closeTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  /** Messages of utterances not yet done, in order, to replay on a new socket. */
  private log: Array<{ readonly contextId: string; readonly message: string }> = [];
  /** Utterances whose audio has started: replaying them would repeat words, so their loss is an error. */
  private readonly heard = new Set<string>();
  private replayed = false;
  private readonly onAbort = () => this.shutdown();

  constructor(
    private readonly wire: ContextWire,
    private readonly signal: AbortSignal,
    private readonly closeTimeoutMs: number,
  ) {
    if (signal.aborted) {
      this.shutdown();
      return;
    }
    signal.addEventListener('abort', this.onAbort, { once: true });
    this.connect();
  }

  pushText(text: string): void {
    if (!text || this.isOver()) return;
    let first = false;
    if (this.current === null) {
      this.current = `ctx-${++this.contextCount}`;
      this.sequencer.open(this.current);
      first = true;
    }
    this.send(this.wire.textMessages(this.current, text, first), this.current);
  }

  flush(): void {
    if (this.isOver()) return;
    if (this.current === null) {
      this.sequencer.emptyFlush();
      return;
    }
    this.send(this.wire.flushMessages(this.current), this.current);
    this.sequencer.flushRequested(this.current);
    this.current = null;
  }

  cancel(): void {
    if (this.isOver()) return;
    const live = this.sequencer.cancel();
    this.current = null;
    this.log = [];
    this.heard.clear();
    this.events.clear((event) => event.type === 'error');
    if (this.state === 'connecting') {
      // Everything queued belongs to the contexts just cancelled.
      this.pending = [];
      return;
    }
    if (this.state === 'open') for (const { id, flushed } of live) this.send(this.wire.cancelMessages(id, flushed));
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    if (this.state === 'closed') return Promise.resolve();
    if (this.state !== 'open' || !this.socket) {
      this.shutdown();
      return Promise.resolve();
    }
    const goodbye = this.wire.closeMessage();
    if (goodbye) this.socket.send(goodbye);
    else this.socket.close();
    this.state = 'closing';
    const socket = this.socket;
    this.closeTimer = setTimeout(() => this.shutdown(), this.closeTimeoutMs);
    this.closing = socket.closed.then(() => this.shutdown());
    return this.closing;
  }

  [Symbol.asyncIterator](): AsyncIterator<TtsEvent> {
    return this.events[Symbol.asyncIterator]();
  }

  private isOver(): boolean {
    return this.state === 'closing' || this.state === 'closed';
  }

  private connect(): void {
    this.state = 'connecting';
    const socket = new VendorSocket(this.wire.socketOptions(), {
      onOpen: () => {
        if (this.socket !== socket || this.state !== 'connecting') return;
        this.state = 'open';
        const queued = this.pending;
        this.pending = [];
        for (const message of queued) socket.send(message);
      },
      onMessage: (data, isBinary) => {
        if (this.socket === socket) this.handle(this.wire.parse(data, isBinary));
      },
      onFailure: (error, opened) => {
        if (this.socket === socket) this.lost(error, opened);
      },
      onClose: () => {
        if (this.socket !== socket) return;
        if (this.state === 'closing') this.shutdown();
        else this.lost(new ProviderError(this.wire.provider, 'connectivity', `${this.wire.provider} closed the connection`), true);
      },
    });
    this.socket = socket;
  }

  private send(messages: readonly string[], contextId?: string): void {
    if (contextId !== undefined) for (const message of messages) this.log.push({ contextId, message });
    if (this.state === 'idle') this.connect();
    if (this.state === 'connecting') this.pending.push(...messages);
    else if (this.state === 'open') for (const message of messages) this.socket!.send(message);
  }

  private handle(event: WireEvent | null): void {
    if (!event || this.isOver()) return;
    switch (event.type) {
      case 'audio':
        if (this.log.some((entry) => entry.contextId === event.contextId)) {
          this.heard.add(event.contextId);
          this.replayed = false;
        }
        this.sequencer.audio(event.contextId, event.payload);
        return;
      case 'done':
        this.log = this.log.filter((entry) => entry.contextId !== event.contextId);
        this.heard.delete(event.contextId);
        this.sequencer.done(event.contextId);
        return;
      case 'error':
        this.events.push({ type: 'error', error: event.error });
        this.shutdown();
        return;
    }
  }

  /**
   * The socket is gone. A vendor that never let us in, or that dropped us with an utterance
   * under way, is an error; an idle socket the vendor timed out is not: reconnect on next text.
   */
  private lost(error: ProviderError, opened: boolean): void {
    if (this.isOver()) {
      this.shutdown();
      return;
    }
    if (opened && !this.sequencer.active) {
      this.socket = undefined;
      this.state = 'idle';
      this.pending = [];
      return;
    }
    if (opened && this.heard.size === 0 && !this.replayed) {
      this.replayed = true;
      this.socket = undefined;
      this.connect();
      this.pending = this.log.map((entry) => entry.message);
      return;
    }
    this.events.push({ type: 'error', error });
    this.shutdown();
  }

  private shutdown(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.closeTimer);
    this.signal.removeEventListener('abort', this.onAbort);
    this.pending = [];
    this.socket?.terminate();
    this.events.end();
  }
}
