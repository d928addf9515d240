// EventChannel: ordering, ending, clearing and early return.
import { describe, expect, it } from 'vitest';
import { EventChannel } from './event-channel.js';

describe('EventChannel', () => {
  it('delivers pushed values in order, then ends after the queued ones are read', async () => {
    const channel = new EventChannel<number>();
    channel.push(1);
    channel.push(2);
    channel.end();
    expect(channel.push(3)).toBe(false);
    const seen: number[] = [];
    for await (const value of channel) seen.push(value);
    expect(seen).toEqual([1, 2]);
  });

  it('hands a value straight to a waiting reader', async () => {
    const channel = new EventChannel<string>();
    const iterator = channel[Symbol.asyncIterator]();
    const next = iterator.next();
    channel.push('now');
    expect(await next).toEqual({ value: 'now', done: false });
    channel.end();
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('clears unread values except those it is told to keep', async () => {
    const channel = new EventChannel<string>();
    for (const value of ['audio', 'error', 'audio']) channel.push(value);
    channel.clear((value) => value === 'error');
    channel.push('flushed');
    channel.end();
    const seen: string[] = [];
    for await (const value of channel) seen.push(value);
    expect(seen).toEqual(['error', 'flushed']);
  });

  it('tells its owner when the reader stops early, and allows a single reader', async () => {
    let stopped = 0;
    const channel = new EventChannel<number>(() => stopped++);
    channel.push(1);
    channel.push(2);
    for await (const value of channel) if (value === 1) break;
    expect(stopped).toBe(1);
    expect(channel.ended).toBe(true);
    expect(() => channel[Symbol.asyncIterator]()).toThrow(/single consumer/);
  });
});
