import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { guardUnhandledRejections, unhandledRejectionMessage } from './process-guard.js';

describe('guardUnhandledRejections', () => {
  it('logs an unhandled rejection at error level with a stable message, and the process goes on', () => {
    const lines: any[] = [];
    const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(JSON.parse(String(chunk))), done()) });
    const remove = guardUnhandledRejections(pino({ level: 'info' }, sink));
    try {
      // What Node emits for a rejection nobody handled (emitted by hand: a real one would also reach vitest's own handler).
      process.emit('unhandledRejection', new Error('lost promise'), Promise.resolve());
    } finally {
      remove();
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, msg: unhandledRejectionMessage, err: { message: 'lost promise' } });
    expect(process.listeners('unhandledRejection')).not.toContain(remove);
  });
});
