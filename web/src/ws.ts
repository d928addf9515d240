/**
 * WebSockets to the API. A browser cannot set headers on a WebSocket, so the key travels as a
 * subprotocol (`bearer.<key>`, beside `parley`), never in the URL where logs would keep it.
 */
import { session } from './api';

export function openSocket(path: string): WebSocket {
  const url = new URL(path, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return new WebSocket(url, ['parley', `bearer.${session.key() ?? ''}`]);
}
