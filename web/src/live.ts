/**
 * Live events from GET /v1/events, read with fetch (so the key goes in a header, never a URL)
 * and parsed with eventsource-parser. One connection per page load, shared by every listener;
 * it reconnects with Last-Event-ID after a drop.
 */
import { useEffect, useRef, useSyncExternalStore } from 'react';
import { createParser } from 'eventsource-parser';
import { session } from './api';
import type { CallEvent } from './types';

type Listener = (event: CallEvent) => void;
type State = 'connecting' | 'live' | 'offline';

const listeners = new Set<Listener>();
const stateListeners = new Set<() => void>();
let state: State = 'offline';
let controller: AbortController | undefined;
let lastEventId: string | undefined;
let retryTimer: number | undefined;

function setState(next: State): void {
  state = next;
  for (const listener of stateListeners) listener();
}

async function connect(): Promise<void> {
  const key = session.key();
  if (!key || controller) return;
  controller = new AbortController();
  const { signal } = controller;
  setState('connecting');
  try {
    const response = await fetch('/v1/events', {
      headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
      signal,
    });
    if (!response.ok || !response.body) throw new Error(`events: ${response.status}`);
    setState('live');
    const parser = createParser({
      onEvent(message) {
        if (message.id) lastEventId = message.id;
        let event: CallEvent;
        try {
          event = JSON.parse(message.data) as CallEvent;
        } catch {
          return;
        }
        for (const listener of listeners) listener(event);
      },
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(value);
    }
  } catch {
    // dropped or refused: retried below while someone listens
  } finally {
    // An aborted stream's end must not forget the stream that replaced it.
    if (controller?.signal === signal) controller = undefined;
    if (!signal.aborted) {
      setState('offline');
      if (listeners.size > 0) retryTimer = window.setTimeout(() => void connect(), 2000);
    }
  }
}

function disconnect(): void {
  window.clearTimeout(retryTimer);
  controller?.abort();
  controller = undefined;
  setState('offline');
}

/** Calls `handler` for every event of the organisation while the component is mounted. */
export function useLiveEvents(handler: Listener): void {
  const current = useRef(handler);
  current.current = handler;
  useEffect(() => {
    const listener: Listener = (event) => current.current(event);
    listeners.add(listener);
    void connect();
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) disconnect();
    };
  }, []);
}

/** 'live' while the stream is open. */
export function useLiveState(): State {
  return useSyncExternalStore(
    (notify) => {
      stateListeners.add(notify);
      return () => stateListeners.delete(notify);
    },
    () => state,
  );
}
