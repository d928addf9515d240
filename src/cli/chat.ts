/** `parley chat <agent-id>`: talk to an agent by text in the terminal, over the chat WebSocket. */
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import type { CliTarget } from './api-client.js';

export async function runChat(target: CliTarget, agentId: string, variables: Record<string, string>, io = { input: process.stdin, output: process.stdout }): Promise<void> {
  if (!target.key) throw new Error('Set PARLEY_API_KEY (or pass --key) to chat.');
  const url = new URL(`/v1/agents/${encodeURIComponent(agentId)}/chat`, target.url.replace(/^http/, 'ws'));
  url.searchParams.set('variables', JSON.stringify(variables));
  const socket = new WebSocket(url, { headers: { authorization: `Bearer ${target.key}` } });
  const write = (line: string) => io.output.write(`${line}\n`);
  const lines = createInterface({ input: io.input, terminal: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => {
      write('(connected: type a message, /dtmf 1 to press keys, /quit to leave)');
      lines.on('line', (line) => {
        const text = line.trim();
        if (!text) return;
        if (text === '/quit') return void socket.close();
        const dtmf = /^\/dtmf\s+([0-9*#]+)$/.exec(text);
        socket.send(JSON.stringify(dtmf ? { type: 'dtmf', digits: dtmf[1] } : { type: 'message', text }));
      });
      lines.once('close', () => socket.close());
    });
    socket.on('message', (raw) => {
      const event = JSON.parse(String(raw)) as { type: string; text?: string; name?: string; value?: unknown; reason?: string; code?: string; message?: string; action?: { type: string } };
      if (event.type === 'agent_message') write(`agent> ${event.text}`);
      else if (event.type === 'tool_call') write(`  [tool ${event.name}]`);
      else if (event.type === 'collected') write(`  [collected ${event.name} = ${JSON.stringify(event.value)}]`);
      else if (event.type === 'ended') write(`(the agent ended the conversation: ${event.reason})`);
      else if (event.type === 'error') write(`error: ${event.code}: ${event.message}`);
    });
    socket.once('unexpected-response', (_request, response) => reject(new Error(`chat refused: HTTP ${response.statusCode}`)));
    socket.once('error', reject);
    socket.once('close', () => {
      lines.close();
      resolve();
    });
  });
}
