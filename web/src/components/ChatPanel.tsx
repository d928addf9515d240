/** Talk to the agent by text over GET /v1/agents/{id}/chat, with the agent's variables filled in. */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { Agent } from '../types';
import { openSocket } from '../ws';
import { Field } from '../ui';

interface Line {
  readonly who: 'agent' | 'you' | 'system';
  readonly text: string;
}

export function VariableFields({ agent, variables, values, onChange, idPrefix }: { agent: Agent; variables: string[]; values: Record<string, string>; onChange: (values: Record<string, string>) => void; idPrefix: string }) {
  if (variables.length === 0) return null;
  return (
    <details className="vars">
      <summary>Variables ({variables.length})</summary>
      {variables.map((name) => (
        <Field key={name} id={`${idPrefix}-${name}`} label={name} hint={agent.default_variables[name] !== undefined ? `Default: ${agent.default_variables[name]}` : 'No default'}>
          {(props) => <input {...props} value={values[name] ?? ''} onChange={(event) => onChange({ ...values, [name]: event.target.value })} />}
        </Field>
      ))}
    </details>
  );
}

export function given(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value.trim() !== ''));
}

export function ChatPanel({ agent, variables }: { agent: Agent; variables: string[] }) {
  const [lines, setLines] = useState<Line[]>([]);
  const [text, setText] = useState('');
  const [state, setState] = useState<'idle' | 'open' | 'ended'>('idle');
  const [values, setValues] = useState<Record<string, string>>({});
  const socket = useRef<WebSocket | null>(null);
  const log = useRef<HTMLOListElement>(null);

  useEffect(() => () => socket.current?.close(), []);
  useEffect(() => {
    log.current?.lastElementChild?.scrollIntoView({ block: 'nearest' });
  }, [lines]);

  const start = () => {
    socket.current?.close();
    setLines([]);
    // Variables in the query (the key is not: it travels as a subprotocol).
    const ws = openSocket(`/v1/agents/${agent.id}/chat?variables=${encodeURIComponent(JSON.stringify(given(values)))}`);
    socket.current = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      setState('open');
    };
    ws.onmessage = (message) => {
      const event = JSON.parse(String(message.data)) as { type: string; text?: string; reason?: string; message?: string; name?: string; value?: unknown };
      if (event.type === 'agent_message') {
        setLines((current) => [...current, { who: 'agent', text: event.text ?? '' }]);
      } else if (event.type === 'collected') setLines((current) => [...current, { who: 'system', text: `Collected ${event.name}: ${JSON.stringify(event.value)}` }]);
      else if (event.type === 'model_error') setLines((current) => [...current, { who: 'system', text: `The model failed: ${event.message}` }]);
      else if (event.type === 'ended') setLines((current) => [...current, { who: 'system', text: `The conversation ended (${event.reason}).` }]);
      else if (event.type === 'error') setLines((current) => [...current, { who: 'system', text: `Error: ${event.message}` }]);
    };
    ws.onclose = () => {
      if (socket.current !== ws) return;
      setState('ended');
      // A browser is not shown why an upgrade was refused (401, 404, 429 CHATS_LIMIT): say what it may be.
      if (!opened) setLines((current) => [...current, { who: 'system', text: 'The chat could not be opened. The server refused it: the key may lack access, the agent may be gone, or the organisation has as many chats open as it may (close one).' }]);
    };
  };

  const send = (event: FormEvent) => {
    event.preventDefault();
    const ws = socket.current;
    if (!ws || ws.readyState !== WebSocket.OPEN || !text.trim()) return;
    ws.send(JSON.stringify({ type: 'message', text }));
    setLines((current) => [...current, { who: 'you', text }]);
    setText('');
  };

  return (
    <section className="card" aria-labelledby="chat-head">
      <h2 id="chat-head">Chat</h2>
      <p className="muted small">The same brain as a call, by text. Nothing is dialled.</p>
      <VariableFields agent={agent} variables={variables} values={values} onChange={setValues} idPrefix="chat-var" />
      {state !== 'open' ? <button type="button" className="button" onClick={start}>{state === 'ended' ? 'Start again' : 'Start chat'}</button> : <button type="button" className="button ghost" onClick={() => socket.current?.close()}>End chat</button>}
      <ol className="chat-log" ref={log} aria-live="polite" aria-label="Chat messages" data-testid="chat-log">
        {lines.map((line, index) => <li key={index} className={`chat-line ${line.who}`}><span className="visually-hidden">{line.who === 'you' ? 'You' : line.who === 'agent' ? 'Agent' : 'Note'}: </span>{line.text}</li>)}
      </ol>
      <form onSubmit={send} className="chat-form">
        <label htmlFor="chat-input" className="visually-hidden">Message</label>
        <input id="chat-input" value={text} onChange={(event) => setText(event.target.value)} disabled={state !== 'open'} placeholder={state === 'open' ? 'Say something…' : 'Start the chat first'} autoComplete="off" />
        <button type="submit" className="button primary" disabled={state !== 'open' || !text.trim()}>Send</button>
      </form>
    </section>
  );
}
