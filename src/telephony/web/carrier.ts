/**
 * The `web` carrier: calls whose line is a browser's WebSocket (the dashboard's web call). The
 * socket exists before the call is dialled, in this process, so dialling it is answering it:
 * `dial` reports the answer and the line at once, and the line's end is the call's end.
 */
import { randomUUID } from 'node:crypto';
import type { Carrier, CarrierEventSink, DialRequest } from '../types.js';
import type { WebAudioLine } from './web-line.js';

export interface WebCarrier extends Carrier {
  /** Holds a browser's line for the call it is about to dial. */
  attach(callId: string, line: WebAudioLine): void;
  /** Lets go of a line whose call was never dialled (refused, or the socket closed first). */
  detach(callId: string): void;
}

export function createWebCarrier(options: { readonly sink: CarrierEventSink }): WebCarrier {
  const waiting = new Map<string, WebAudioLine>();
  const live = new Map<string, { readonly callId: string; readonly line: WebAudioLine }>();
  return {
    id: 'web',
    lines: 'audio',
    // A browser is a person: no machine to detect, no greeting held.
    machines: { carrierDetects: false, defaultDetection: 'off' },
    attach(callId, line) {
      waiting.set(callId, line);
    },
    detach(callId) {
      waiting.delete(callId);
    },
    async dial(request: DialRequest) {
      const line = waiting.get(request.callId);
      if (!line) throw new Error('The browser of this web call is not connected to this process');
      waiting.delete(request.callId);
      const providerCallId = `web_${randomUUID()}`;
      live.set(providerCallId, { callId: request.callId, line });
      // After dial returns, so the runtime holds the provider id before the answer arrives.
      setImmediate(() => {
        options.sink(request.callId, { type: 'answered', answeredBy: 'human' });
        options.sink(request.callId, { type: 'line', line });
      });
      let timedOut = false;
      const timeLimit = setTimeout(() => {
        timedOut = true;
        line.finish('agent_hung_up', 'time_limit');
      }, request.timeLimitS * 1000);
      timeLimit.unref();
      void line.ended.then((reason) => {
        clearTimeout(timeLimit);
        live.delete(providerCallId);
        options.sink(request.callId, { type: 'ended', outcome: 'completed', reason: timedOut ? 'time_limit' : reason === 'caller_hung_up' ? 'contact_hung_up' : reason === 'agent_hung_up' ? 'agent_hung_up' : 'carrier_failed' });
      });
      return { providerCallId };
    },
    async hangUp(providerCallId) {
      live.get(providerCallId)?.line.hangUp();
    },
  };
}
