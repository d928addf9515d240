/**
 * The web-call wire (GET /v1/agents/{id}/web-call, a WebSocket from a browser):
 *   client -> server: `{"type":"start","variables":{…}}` first; then binary messages of μ-law
 *     8 kHz mono audio in whole 20 ms frames (160 bytes each; several per message allowed);
 *     `{"type":"mark","name"}` when the audio before a mark has played; `{"type":"dtmf","digit"}`;
 *     `{"type":"hangup"}`.
 *   server -> client: `{"type":"call","call_id"}` once the call exists; binary μ-law audio of the
 *     agent; `{"type":"mark","name"}` after a stretch of audio (echo it when played);
 *     `{"type":"clear"}` when the caller barged in (drop unplayed audio; do not echo its marks);
 *     `{"type":"ended","reason"}`; `{"type":"error","code","message"}` before a close.
 */
import { z } from 'zod';

export const webCallVariables = z.record(z.string().min(1).max(64), z.union([z.string().max(5000), z.number(), z.boolean()]));

export const webClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('start'), variables: webCallVariables.default({}) }),
  z.object({ type: z.literal('mark'), name: z.string().min(1).max(200) }),
  z.object({ type: z.literal('dtmf'), digit: z.string().regex(/^[0-9*#]$/) }),
  z.object({ type: z.literal('hangup') }),
]);
export type WebClientMessage = z.infer<typeof webClientMessage>;

export type WebServerMessage =
  | { readonly type: 'call'; readonly call_id: string }
  | { readonly type: 'mark'; readonly name: string }
  | { readonly type: 'clear' }
  | { readonly type: 'ended'; readonly reason: string }
  | { readonly type: 'error'; readonly code: string; readonly message: string };

/** Parses a text message; undefined when it is not one of the client's messages. */
export function parseWebClientMessage(text: string): WebClientMessage | undefined {
  try {
    const parsed = webClientMessage.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
