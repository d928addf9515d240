/**
 * Test harness: the fake Twilio plus a minimal Fastify app (websocket, the Twilio
 * routes) hosting a real Twilio carrier whose sink records every event. Everything runs over
 * real loopback sockets.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { createTwilioCarrier, type TwilioCarrier } from '../../../src/telephony/twilio/carrier.js';
import { twilioRoutes } from '../../../src/telephony/twilio/routes.js';
import type { TwilioOptionsInput } from '../../../src/telephony/twilio/options.js';
import type { AudioLine, CarrierEvent } from '../../../src/telephony/types.js';
import type { Frame } from '../../../src/media/frames.js';
import { FakeTwilio, type FakeTwilioOptions } from './fake-twilio.js';

/** Frames read off a line as they arrive, with a way to wait for one. */
export interface FrameReader {
  readonly frames: Frame[];
  readonly done: Promise<void>;
  waitFor<T extends Frame>(predicate: (frame: Frame) => frame is T, timeoutMs?: number): Promise<T>;
  waitFor(predicate: (frame: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
}

/** A running fake Twilio and Parley app, with the carrier's recorded events. */
export interface TwilioHarness {
  readonly fake: FakeTwilio;
  readonly carrier: TwilioCarrier;
  readonly app: FastifyInstance;
  /** http://127.0.0.1:<port>, Parley's public URL in the test. */
  readonly publicUrl: string;
  readonly events: Array<{ readonly callId: string; readonly event: CarrierEvent }>;
  /** Event types of one call, in order. */
  typesOf(callId: string): string[];
  waitForEvent<T extends CarrierEvent['type']>(callId: string, type: T, timeoutMs?: number): Promise<Extract<CarrierEvent, { type: T }>>;
  close(): Promise<void>;
}

/** Reads a line's frames in the background. */
export function readFrames(line: AudioLine): FrameReader {
  const frames: Frame[] = [];
  const waiters = new Set<() => void>();
  const done = (async () => {
    for await (const frame of line.frames) {
      frames.push(frame);
      for (const waiter of [...waiters]) waiter();
    }
    for (const waiter of [...waiters]) waiter();
  })();
  function waitFor(predicate: (frame: Frame) => boolean, timeoutMs = 5_000): Promise<Frame> {
    return new Promise((resolve, reject) => {
      let seen = 0;
      const check = (): void => {
        for (; seen < frames.length; seen++) {
          if (predicate(frames[seen]!)) {
            cleanup();
            resolve(frames[seen]!);
            return;
          }
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no matching frame within ${timeoutMs} ms (saw ${frames.length})`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  }
  return { frames, done, waitFor: waitFor as FrameReader['waitFor'] };
}

/** Parley's side of a Twilio test or benchmark: an app on loopback serving one carrier's routes. */
export interface TwilioApp {
  readonly app: FastifyInstance;
  readonly carrier: TwilioCarrier;
  /** http://127.0.0.1:<port>, the carrier's public URL. */
  readonly publicUrl: string;
  close(): Promise<void>;
}

/**
 * A Fastify app with websocket (as the API server sets it) and the Twilio routes (forms parsed in their scope) of
 * the carrier `makeCarrier` builds for the app's address. The app listens before the routes
 * exist, since the carrier's public URL must name the port.
 */
export async function startTwilioApp(makeCarrier: (publicUrl: string) => TwilioCarrier): Promise<TwilioApp> {
  let server: Server | undefined;
  const app = Fastify({
    serverFactory: (handler) => {
      server = createServer(handler);
      return server;
    },
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const publicUrl = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
  const carrier = makeCarrier(publicUrl);
  await app.register(websocket, { options: { maxPayload: 1024 * 1024 } });
  await app.register(twilioRoutes(carrier));
  await app.ready();
  return {
    app,
    carrier,
    publicUrl,
    async close() {
      server!.closeAllConnections();
      await app.close();
      if (server!.listening) await new Promise<void>((resolve) => server!.close(() => resolve()));
    },
  };
}

/** Starts the fake and a Parley app on loopback; `options` override the carrier's options, `hooks.onEvent` sees each event after it is recorded. */
export async function startTwilioHarness(
  fakeOptions: FakeTwilioOptions = {},
  options: Partial<TwilioOptionsInput> = {},
  hooks: { readonly onEvent?: (callId: string, event: CarrierEvent) => void } = {},
): Promise<TwilioHarness> {
  const fake = await FakeTwilio.start(fakeOptions);
  const events: Array<{ callId: string; event: CarrierEvent }> = [];
  const listeners = new Set<() => void>();
  const { app, carrier, publicUrl, close } = await startTwilioApp((publicUrl) =>
    createTwilioCarrier(
      { accountSid: fake.accountSid, authToken: fake.authToken, apiBaseUrl: fake.baseUrl, publicUrl, ...options },
      {
        sink: (callId, event) => {
          events.push({ callId, event });
          for (const listener of [...listeners]) listener();
          hooks.onEvent?.(callId, event);
        },
      },
    ),
  );

  function waitForEvent<T extends CarrierEvent['type']>(callId: string, type: T, timeoutMs = 5_000) {
    return new Promise<Extract<CarrierEvent, { type: T }>>((resolve, reject) => {
      const check = (): void => {
        const found = events.find((entry) => entry.callId === callId && entry.event.type === type);
        if (!found) return;
        cleanup();
        resolve(found.event as Extract<CarrierEvent, { type: T }>);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no ${type} event for ${callId} within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });
  }

  return {
    fake,
    carrier,
    app,
    publicUrl,
    events,
    typesOf: (callId) => events.filter((entry) => entry.callId === callId).map((entry) => entry.event.type),
    waitForEvent,
    async close() {
      await fake.stop();
      await close();
    },
  };
}
