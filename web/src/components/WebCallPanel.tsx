/**
 * A web call: the microphone to the agent's voice session over GET /v1/agents/{id}/web-call, the
 * agent's voice to the speakers, barge-in by simply talking. The call is an ordinary call record
 * (carrier `web`): its transcript fills in here and on its call page.
 */
import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { get } from '../api';
import { decodeMulaw, encodeMulaw } from '../mulaw';
import type { Agent, Call } from '../types';
import { terminalStatuses } from '../types';
import { openSocket } from '../ws';
import { StatusBadge } from '../ui';
import { VariableFields, given } from './ChatPanel';

type Phase = 'idle' | 'starting' | 'live' | 'ended';

interface Problem {
  readonly code: string;
  readonly message: string;
  readonly details?: { missing?: string[] };
}

export function WebCallPanel({ agent, variables }: { agent: Agent; variables: string[] }) {
  const [phase, setPhase] = useState<Phase>('idle');
  const [values, setValues] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<Problem | null>(null);
  const [callId, setCallId] = useState<string | null>(null);
  const [call, setCall] = useState<Call | null>(null);
  const [framesPlayed, setFramesPlayed] = useState(0);
  const [framesSent, setFramesSent] = useState(0);
  /** Times the server said the caller talked over the agent (its unplayed audio was dropped). */
  const [interruptions, setInterruptions] = useState(0);
  const teardown = useRef<() => void>(() => undefined);

  useEffect(() => () => teardown.current(), []);

  // The transcript as the call record has it, while the call runs and once after.
  useEffect(() => {
    if (!callId) return;
    let stopped = false;
    const poll = async () => {
      try {
        const latest = await get<Call>(`/v1/calls/${callId}`);
        if (stopped) return;
        setCall(latest);
        if (terminalStatuses.has(latest.status) && latest.transcript.length >= 0 && phase === 'ended') return;
      } catch {
        // shown by the call page; keep polling
      }
      if (!stopped) timer = window.setTimeout(() => void poll(), 1000);
    };
    let timer = window.setTimeout(() => void poll(), 300);
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [callId, phase]);

  const start = async () => {
    setProblem(null);
    setCall(null);
    setCallId(null);
    setFramesPlayed(0);
    setFramesSent(0);
    setInterruptions(0);
    setPhase('starting');
    let media: MediaStream;
    try {
      media = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 } });
    } catch (error) {
      setProblem({ code: 'MICROPHONE', message: `The microphone is not available: ${(error as Error).message}. Allow this page to use it and try again.` });
      setPhase('idle');
      return;
    }
    const context = new AudioContext();
    await context.audioWorklet.addModule('/web-call-worklet.js');
    const source = context.createMediaStreamSource(media);
    const node = new AudioWorkletNode(context, 'web-call', { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1] });
    source.connect(node);
    node.connect(context.destination);
    await context.resume();

    const socket = openSocket(`/v1/agents/${agent.id}/web-call`);
    socket.binaryType = 'arraybuffer';
    let sent = 0;
    node.port.onmessage = (event: MessageEvent<{ type: string; samples?: Float32Array; name?: string; framesPlayed?: number }>) => {
      const message = event.data;
      if (message.type === 'frame' && message.samples && socket.readyState === WebSocket.OPEN && live) {
        socket.send(encodeMulaw(message.samples));
        sent += 1;
        if (sent % 25 === 0) setFramesSent(sent);
      } else if (message.type === 'mark' && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({ type: 'mark', name: message.name }));
      } else if (message.type === 'stats') {
        setFramesPlayed(message.framesPlayed ?? 0);
      }
    };
    let live = false;
    socket.onopen = () => socket.send(JSON.stringify({ type: 'start', variables: given(values) }));
    socket.onmessage = (event) => {
      if (event.data instanceof ArrayBuffer) {
        const samples = decodeMulaw(new Uint8Array(event.data));
        node.port.postMessage({ type: 'audio', samples }, [samples.buffer]);
        return;
      }
      const message = JSON.parse(String(event.data)) as { type: string; call_id?: string; name?: string; reason?: string } & Problem;
      if (message.type === 'call' && message.call_id) {
        live = true;
        setCallId(message.call_id);
        setPhase('live');
      } else if (message.type === 'mark') node.port.postMessage({ type: 'mark', name: message.name });
      else if (message.type === 'clear') {
        node.port.postMessage({ type: 'clear' });
        setInterruptions((n) => n + 1);
      }
      else if (message.type === 'error') setProblem(message);
    };
    socket.onclose = () => {
      live = false;
      setPhase((current) => (current === 'starting' ? 'idle' : 'ended'));
      release();
    };
    const release = () => {
      for (const track of media.getTracks()) track.stop();
      source.disconnect();
      node.disconnect();
      void context.close().catch(() => undefined);
    };
    teardown.current = () => {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: 'hangup' }));
      socket.close();
      release();
    };
  };

  const hangUp = () => {
    teardown.current();
    setPhase('ended');
  };

  const missing = problem?.code === 'SPEECH_NOT_CONFIGURED' ? problem.details?.missing ?? [] : [];
  return (
    <section className="card" aria-labelledby="webcall-head" data-testid="web-call" data-frames-played={framesPlayed} data-frames-sent={framesSent} data-interruptions={interruptions}>
      <h2 id="webcall-head">Web call</h2>
      <p className="muted small">Talk to the agent with your microphone, through the same voice pipeline as a phone call. Talk over it to interrupt.</p>
      <VariableFields agent={agent} variables={variables} values={values} onChange={setValues} idPrefix="call-var" />
      {phase === 'live' || phase === 'starting' ? (
        <button type="button" className="button danger" onClick={hangUp}>Hang up</button>
      ) : (
        <button type="button" className="button primary" onClick={() => void start()}>{phase === 'ended' ? 'Call again' : 'Start web call'}</button>
      )}
      {phase !== 'idle' ? (
        <p className="small" role="status">
          {phase === 'starting' ? 'Connecting…' : phase === 'live' ? 'On the call' : 'Call ended'}
          {call ? <> · <StatusBadge status={call.status} /> · <Link to={`/calls/${call.id}`}>call record</Link></> : null}
          {phase === 'live' ? <span className="muted"> · heard {(framesPlayed * 0.02).toFixed(1)} s of the agent</span> : null}
        </p>
      ) : null}
      {problem ? (
        <div className="error-box" role="alert">
          <strong>{problem.code === 'SPEECH_NOT_CONFIGURED' ? 'This server has no speech providers for a web call' : 'The web call could not start'}</strong>
          <p>{problem.message}</p>
          {missing.length ? <p>Set {missing.join(' and ')} in the server's environment and restart it; <code>DEEPGRAM_API_KEY</code> for hearing, <code>ELEVENLABS_API_KEY</code> or <code>CARTESIA_API_KEY</code> for speaking.</p> : null}
        </div>
      ) : null}
      {call && call.transcript.length ? (
        <ol className="transcript compact" aria-live="polite" data-testid="web-call-transcript">
          {call.transcript.map((turn, index) => <li key={index} className={`turn ${turn.role}`}><strong>{turn.role === 'agent' ? 'Agent' : 'You'}:</strong> {turn.text}{turn.interrupted ? <span className="badge subtle">interrupted</span> : null}</li>)}
        </ol>
      ) : null}
    </section>
  );
}
