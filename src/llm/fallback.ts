/**
 * An LLM fallback chain: an agent's model, then the models it names in `llm.fallback`. A request
 * goes to the first model that is up; one that fails before its first token (a retryable error,
 * a refused connection, or no first token within `firstEventTimeoutMs`) hands the same request
 * to the next. The chain's `ProviderHealth` is kept across calls, so during an outage new calls
 * start on a model that works and the failing one is probed back after its cool-down.
 *
 * Once a model has streamed anything the answer is its own: a failure after the first token is
 * the caller's (the words already went to the callee), as with one model.
 */
import { createHash } from 'node:crypto';
import { ProviderError, asProviderError } from '../shared/errors.js';
import { ProviderHealth, isFallbackWorthy, type ProviderHealthOptions } from '../shared/provider-health.js';
import type { LlmEvent, LlmProvider, LlmRequest } from './types.js';

/** One model of a chain: a provider client and the model it is asked for. */
export interface LlmLink {
  /** Identifies the endpoint, model and key (as a digest) across calls; never shown. */
  readonly id: string;
  readonly provider: LlmProvider;
  readonly model: string;
}

export interface LlmFallbackOptions extends ProviderHealthOptions {
  /** A model that sends nothing for this long is left for the next one. Default 5 s. */
  readonly firstEventTimeoutMs?: number;
}

/** The id of a link: the provider, its endpoint, the model and a digest of the key. */
export function linkId(providerName: string, baseUrl: string, model: string, apiKey: string): string {
  const key = createHash('sha256').update(apiKey).digest('hex').slice(0, 16);
  return `${providerName} ${baseUrl} ${model} ${key}`;
}

/** A provider over a chain of models; its health is shared by every request it serves. */
export class FallbackLlm implements LlmProvider {
  readonly id: string;
  private readonly health: ProviderHealth<LlmLink>;
  private readonly firstEventTimeoutMs: number;

  constructor(links: readonly LlmLink[], options: LlmFallbackOptions = {}) {
    this.health = new ProviderHealth(links, options);
    this.id = links.map((link) => link.provider.id).join('>');
    this.firstEventTimeoutMs = options.firstEventTimeoutMs ?? 5_000;
  }

  /** Whether a link is in its cool-down (tests, metrics). */
  isDown(link: LlmLink): boolean {
    return this.health.isDown(link);
  }

  async *stream(request: LlmRequest, signal: AbortSignal): AsyncIterable<LlmEvent> {
    const order = this.health.order();
    for (const [index, link] of order.entries()) {
      const last = index === order.length - 1;
      this.health.opened(link);
      const attempt = new AbortController();
      const forward = () => attempt.abort(signal.reason);
      signal.addEventListener('abort', forward, { once: true });
      let started = false;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        attempt.abort();
      }, this.firstEventTimeoutMs);
      try {
        for await (const event of link.provider.stream({ ...request, model: link.model }, attempt.signal)) {
          if (!started) {
            started = true;
            clearTimeout(timer);
            this.health.succeeded(link);
          }
          yield event;
        }
        if (timedOut && !started) throw noFirstEvent(link, this.firstEventTimeoutMs);
        if (!started) this.health.succeeded(link);
        return;
      } catch (caught) {
        if (signal.aborted) {
          this.health.released(link);
          throw caught;
        }
        const error = timedOut && !started ? noFirstEvent(link, this.firstEventTimeoutMs) : asProviderError(link.provider.id, caught);
        if (started || !isFallbackWorthy(error)) {
          if (!started) this.health.released(link);
          throw error;
        }
        this.health.failed(link);
        if (last) throw error;
      } finally {
        clearTimeout(timer);
        signal.removeEventListener('abort', forward);
      }
    }
  }
}

function noFirstEvent(link: LlmLink, ms: number): ProviderError {
  return new ProviderError(link.provider.id, 'connectivity', `No answer from the model within ${ms} ms`, { retryable: true });
}

/**
 * The chains of a process, kept by their links so that their health outlives a call. Bounded:
 * the least recently used chain is dropped past `maxChains` (its memory is only an optimisation).
 */
export class LlmChains {
  private readonly chains = new Map<string, FallbackLlm>();

  constructor(
    private readonly options: LlmFallbackOptions = {},
    private readonly maxChains = 500,
  ) {}

  chain(links: readonly LlmLink[]): FallbackLlm {
    const key = links.map((link) => link.id).join('\n');
    const known = this.chains.get(key);
    if (known) {
      this.chains.delete(key);
      this.chains.set(key, known);
      return known;
    }
    const chain = new FallbackLlm(links, this.options);
    this.chains.set(key, chain);
    if (this.chains.size > this.maxChains) this.chains.delete(this.chains.keys().next().value!);
    return chain;
  }
}
