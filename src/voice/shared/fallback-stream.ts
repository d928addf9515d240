/**
 * The one fallback mechanism behind STT and TTS: a stream over a chain of providers that moves
 * to the next provider when the current one fails in a way worth falling back for, and tells
 * the chain's `ProviderHealth` what happened, so the next stream starts on a provider that
 * works. What a new provider must be handed to carry on (recent audio, unspoken text) is the
 * capability's part: `open`, `resume` and `accept`.
 */
import { asProviderError, type ProviderError } from '../../shared/errors.js';
import { EventChannel } from './event-channel.js';
import type { ProviderHealth } from '../../shared/provider-health.js';

/** How a capability's fallback behaves where capabilities differ. */
export interface FallbackRules {
  /** Which errors move to the next provider. */
  readonly shouldFallBack: (error: ProviderError) => boolean;
  /**
   * Whether a provider failing while the stream is closing hands over to the next one. STT:
   * yes, the next one must still hear the audio it was owed. TTS: no, the caller is done with it.
   */
  readonly failOverWhileClosing: boolean;
}

/** A stream over `health.providers`; a subclass calls `start()` at the end of its constructor. */
export abstract class FallbackStream<P extends { readonly id: string }, C extends AsyncIterable<E>, E>
  implements AsyncIterable<E>
{
  protected readonly events = new EventChannel<E>(() => this.end());
  /** The provider stream in use. */
  protected child!: C;
  protected closing = false;
  private readonly order: P[];
  private position = -1;
  private provider: P | undefined;
  /** Whether the current provider's health has been reported for this stream. */
  private reported = false;
  private childController: AbortController | undefined;
  private readonly pumps = new WeakMap<C, Promise<void>>();
  private readonly onAbort = () => this.end();

  protected constructor(
    private readonly health: ProviderHealth<P>,
    private readonly rules: FallbackRules,
    private readonly signal: AbortSignal,
  ) {
    this.order = health.order();
  }

  /** Opens one provider's stream. */
  protected abstract open(provider: P, signal: AbortSignal): C;
  /** Hands a newly opened provider what the failed one still owed. */
  protected abstract resume(child: C): void;
  /** The error an event reports, when it is an error event. */
  protected abstract errorOf(event: E): ProviderError | undefined;
  /** Bookkeeping for a non-error event of the current provider; returns what to pass on. */
  protected abstract accept(event: E): E;
  /** The event that reports a failure no provider could take over. */
  protected abstract errorEvent(error: ProviderError): E;

  [Symbol.asyncIterator](): AsyncIterator<E> {
    return this.events[Symbol.asyncIterator]();
  }

  /** Opens the first provider; called once the subclass's own fields are set. */
  protected start(): void {
    if (this.signal.aborted) {
      this.events.end();
      return;
    }
    this.signal.addEventListener('abort', this.onAbort, { once: true });
    this.next();
  }

  /** Resolves when the reader of `child` has stopped. */
  protected pumped(child: C): Promise<void> {
    return this.pumps.get(child) ?? Promise.resolve();
  }

  protected end(): void {
    if (this.provider && !this.reported) this.health.released(this.provider);
    this.reported = true;
    this.signal.removeEventListener('abort', this.onAbort);
    this.childController?.abort();
    this.events.end();
  }

  private next(): void {
    this.position++;
    const provider = this.order[this.position]!;
    this.provider = provider;
    this.reported = false;
    this.health.opened(provider);
    this.childController = new AbortController();
    const child = this.open(provider, this.childController.signal);
    this.child = child;
    this.resume(child);
    // A provider stream that throws instead of sending an error event fails over the same way.
    const pump = this.pump(child).catch((error: unknown) => {
      if (child === this.child && !this.events.ended) this.failed(asProviderError(provider.id, error));
    });
    this.pumps.set(child, pump);
  }

  private async pump(child: C): Promise<void> {
    for await (const event of child) {
      if (child !== this.child || this.events.ended) return;
      const error = this.errorOf(event);
      if (error) {
        this.failed(error);
        return;
      }
      if (!this.reported) {
        this.reported = true;
        this.health.succeeded(this.provider!);
      }
      this.events.push(this.accept(event));
    }
    if (child === this.child && !this.closing) this.end();
  }

  private failed(error: ProviderError): void {
    const provider = this.provider!;
    const worthy = this.rules.shouldFallBack(error);
    if (worthy) this.health.failed(provider);
    else this.health.released(provider);
    this.reported = true;
    const more = this.position + 1 < this.order.length;
    if (!worthy || !more || (this.closing && !this.rules.failOverWhileClosing)) {
      this.events.push(this.errorEvent(error));
      this.end();
      return;
    }
    this.childController?.abort();
    this.next();
  }
}
