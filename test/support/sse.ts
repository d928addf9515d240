/** Reads a server-sent event stream in tests: each message's id, event and parsed data. */
import { expect } from 'vitest';

export interface SseMessage {
  id: string;
  event: string;
  data: any;
}

/** Reads `url` until `until` says stop (or the timeout, which ends the read without failing). */
export function readEvents(url: string, key: string, until: (messages: SseMessage[]) => boolean, headers: Record<string, string> = {}, timeoutMs = 20_000): Promise<SseMessage[]> {
  return openEvents(url, key, until, headers, timeoutMs).messages;
}

/** As readEvents; `opened` resolves once the stream's headers are in (the server has subscribed by then). */
export function openEvents(url: string, key: string, until: (messages: SseMessage[]) => boolean, headers: Record<string, string> = {}, timeoutMs = 20_000) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const opened = fetch(url, { headers: { authorization: `Bearer ${key}`, ...headers }, signal: controller.signal });
  return { opened: opened.then(() => undefined), messages: read(opened, until, controller, timer) };
}

async function read(opened: Promise<Response>, until: (messages: SseMessage[]) => boolean, controller: AbortController, timer: NodeJS.Timeout): Promise<SseMessage[]> {
  const response = await opened;
  expect(response.status).toBe(200);
  const messages: SseMessage[] = [];
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(block.split('\n').filter((line) => !line.startsWith(':') && line.includes(': ')).map((line) => [line.slice(0, line.indexOf(': ')), line.slice(line.indexOf(': ') + 2)]));
        if (fields.data) messages.push({ id: fields.id ?? '', event: fields.event ?? '', data: JSON.parse(fields.data) });
      }
      if (until(messages)) break;
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return messages;
}
