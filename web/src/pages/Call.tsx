/**
 * One call: status timeline, transcript (with each agent turn's latency stages), outcome, summary
 * and tags, every event, its webhook deliveries, and the recording when it has one. Live while it runs.
 */
import { useMemo } from 'react';
import { Link, useParams } from 'react-router';
import { get, post, session, type Page } from '../api';
import { useAuth } from '../auth';
import { useLiveEvents } from '../live';
import { terminalStatuses, type Agent, type AmdRecord, type Call, type CallEvent, type Delivery, type TransferRecord, type Turn } from '../types';
import { Empty, ErrorBox, Loading, StatusBadge, Time, useAction, useLoad } from '../ui';
import { DeliveryTable } from './Webhooks';

const stages = [
  ['endpoint_ms', 'end of speech'],
  ['stt_final_ms', 'STT final'],
  ['llm_first_token_ms', 'LLM first token'],
  ['tts_first_byte_ms', 'TTS first byte'],
  ['first_audio_ms', 'first audio out'],
] as const;

export function CallPage() {
  const { id = '' } = useParams();
  const { can } = useAuth();
  const call = useLoad(() => get<Call>(`/v1/calls/${id}`), [id]);
  const agentId = call.data?.agent_id;
  const agent = useLoad(() => (agentId && can('agents:read') ? get<Agent>(`/v1/agents/${agentId}`).catch(() => undefined) : Promise.resolve(undefined)), [agentId]);
  const events = useLoad(() => get<{ data: CallEvent[] }>(`/v1/calls/${id}/events`), [id]);
  const deliveries = useLoad(() => get<Page<Delivery>>(`/v1/webhook-deliveries?call_id=${encodeURIComponent(id)}&limit=50`), [id]);
  const cancel = useAction(async () => {
    call.setData(await post<Call>(`/v1/calls/${id}/cancel`));
  });

  useLiveEvents((event) => {
    if (event.call_id !== id) return;
    events.setData((current) => (current && !current.data.some((known) => known.id === event.id) ? { data: [...current.data, event] } : current));
    if (event.type.startsWith('call.')) {
      call.reload();
      if (terminalStatuses.has(String(event.data.status)) || event.type === 'call.analyzed') deliveries.reload();
    }
  });

  // Status changes only: `call.<status>` carrying that status (call.recording_ready's `status` is the recording's).
  const timeline = useMemo(() => (events.data?.data ?? []).filter((event) => event.type === `call.${String(event.data.status)}`), [events.data]);

  if (call.loading && !call.data) return <Loading what="Loading the call" />;
  if (call.error) return <ErrorBox error={call.error} title="This call could not be loaded" />;
  const c = call.data!;
  const running = !terminalStatuses.has(c.status);

  return (
    <section>
      <p><Link to="/calls">← Calls</Link></p>
      <div className="page-head">
        <h1>Call <span className="mono small">{c.id}</span></h1>
        <span data-testid="call-status"><StatusBadge status={c.status} /></span>
        {running && can('calls:write') ? <button type="button" className="button danger" disabled={cancel.busy} onClick={() => void cancel.run()}>Hang up / cancel</button> : null}
      </div>
      <ErrorBox error={cancel.error} title="Not canceled" />
      <dl className="facts">
        <div><dt>Agent</dt><dd>{can('agents:read') ? <Link to={`/agents/${c.agent_id}`}>{agent.data?.name ?? c.agent_id}</Link> : c.agent_id}</dd></div>
        <div><dt>To</dt><dd className="mono">{c.to}</dd></div>
        <div><dt>From</dt><dd className="mono">{c.from}</dd></div>
        <div><dt>Carrier</dt><dd>{c.carrier}</dd></div>
        <div><dt>Created</dt><dd><Time at={c.created_at} /></dd></div>
        <div><dt>Duration</dt><dd>{c.duration_s !== null ? `${c.duration_s} s` : '—'}</dd></div>
        {c.end_reason ? <div><dt>End reason</dt><dd>{c.end_reason}</dd></div> : null}
        {c.answered_by || c.amd ? <div><dt>Answered by</dt><dd data-testid="answered-by">{answeredBy(c.answered_by ?? null, c.amd ?? null)}</dd></div> : null}
        {c.transfer ? <div><dt>Transfer</dt><dd data-testid="transfer">{transferText(c.transfer)}</dd></div> : null}
        {c.campaign_id ? <div><dt>Campaign</dt><dd><Link to={`/campaigns/${c.campaign_id}`}>{c.campaign_id}</Link>{c.attempt ? ` · attempt ${c.attempt}` : null}</dd></div> : null}
        {Object.keys(c.variables).length ? <div><dt>Variables</dt><dd>{Object.entries(c.variables).map(([name, value]) => <span key={name} className="chip">{name} = {String(value)}</span>)}</dd></div> : null}
      </dl>

      {c.recording_url ? (
        <section className="card" aria-labelledby="recording-head">
          <h2 id="recording-head">Recording</h2>
          <Recording url={c.recording_url} />
        </section>
      ) : null}

      <div className="grid-2">
        <section className="card">
          <h2>Timeline</h2>
          {timeline.length === 0 ? <Empty title="No status changes yet" /> : (
            <ol className="timeline">
              {timeline.map((event) => (
                <li key={event.id}><StatusBadge status={String(event.data.status)} /> <Time at={event.created_at} />{event.data.end_reason ? <span className="muted"> — {String(event.data.end_reason)}</span> : null}</li>
              ))}
            </ol>
          )}
        </section>
        <section className="card" aria-labelledby="outcome-head">
          <h2 id="outcome-head">Outcome</h2>
          {c.summary ? <><h3>Summary</h3><p data-testid="summary">{c.summary}</p></> : null}
          {c.tags.length ? <p>{c.tags.map((tag) => <span key={tag} className="chip tag">{tag}</span>)}</p> : null}
          {c.outcome ? <pre className="json" data-testid="outcome" tabIndex={0}>{JSON.stringify(c.outcome, null, 2)}</pre> : null}
          {typeof c.analysis?.error === 'string' ? <p className="field-error">Analysis: {c.analysis.error}</p> : null}
          {!c.summary && !c.outcome && !c.tags.length ? <Empty title={running ? 'The outcome comes after the call' : 'No outcome'} /> : null}
        </section>
      </div>

      <section className="card">
        <h2>Transcript</h2>
        <Transcript turns={c.transcript} events={events.data?.data ?? []} answeredAt={c.answered_at} running={running} />
      </section>

      <section className="card">
        <h2>Events</h2>
        {events.error ? <ErrorBox error={events.error} /> : null}
        {events.data?.data.length ? (
          <div className="table-wrap">
            <table className="stack">
              <thead><tr><th scope="col">Time</th><th scope="col">Event</th><th scope="col">Data</th></tr></thead>
              <tbody>
                {events.data.data.map((event) => (
                  <tr key={event.id}><td data-label="Time"><Time at={event.created_at} /></td><td data-label="Event" className="mono">{event.type}</td><td data-label="Data"><code className="wrap">{JSON.stringify(event.data)}</code></td></tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : events.loading ? <Loading /> : <Empty title="No events" />}
      </section>

      <section className="card">
        <h2>Webhook deliveries</h2>
        {deliveries.error ? <ErrorBox error={deliveries.error} /> : null}
        {deliveries.data ? <DeliveryTable deliveries={deliveries.data.data} onReplayed={deliveries.reload} /> : <Loading />}
      </section>
    </section>
  );
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** "machine · Parley's detector (beep), 2.3 s after the answer · message after the beep at 9.4 s" */
function answeredBy(who: string | null, amd: AmdRecord | null): string {
  if (!amd) return who ?? '—';
  const by = amd.source === 'parley' ? "Parley's detector" : 'the carrier';
  const atAnswer = !amd.time_to_verdict_ms || amd.reason?.endsWith('_at_answer');
  const why = amd.reason && amd.reason !== amd.verdict && !amd.reason.endsWith('_at_answer') ? ` (${amd.reason.replaceAll('_', ' ')})` : '';
  const parts = [amd.verdict, `${by}${why}, ${atAnswer ? 'at the answer' : `${seconds(amd.time_to_verdict_ms!)} after the answer`}`];
  if (amd.revised) parts.push('first taken for a person');
  if (amd.message_cue) parts.push(`message after the ${amd.message_cue.reason === 'beep' ? 'beep' : `greeting (${amd.message_cue.reason})`} at ${seconds(amd.message_cue.at_ms)}`);
  if (amd.late_beep_at_ms !== undefined) parts.push(`a late beep at ${seconds(amd.late_beep_at_ms)}: message said after it`);
  return parts.join(' · ');
}

/** "warm to +1415… · answered · 42 s · reason" */
function transferText(transfer: TransferRecord): string {
  const parts = [`${transfer.mode} to ${transfer.to}`, transfer.outcome.replaceAll('_', ' ')];
  if (transfer.leg_duration_s !== null) parts.push(`${transfer.leg_duration_s} s`);
  if (transfer.reason) parts.push(transfer.reason);
  return parts.join(' · ');
}

function Transcript({ turns, events, answeredAt, running }: { turns: Turn[]; events: CallEvent[]; answeredAt: string | null; running: boolean }) {
  // Each agent turn's latency event: by the turn's offset the event names, else (older calls) the nearest offset from the answer.
  const latencies = useMemo(() => {
    const out = new Map<number, Record<string, unknown>>();
    if (!answeredAt) return out;
    const start = Date.parse(answeredAt);
    const agentTurns = turns.map((turn, index) => ({ turn, index })).filter(({ turn }) => turn.role === 'agent');
    for (const event of events.filter((e) => e.type === 'agent.turn_latency')) {
      const named = event.data['turn_offset_ms'];
      const exact = typeof named === 'number' ? agentTurns.find(({ turn, index }) => turn.offset_ms === named && !out.has(index)) : undefined;
      if (exact) {
        out.set(exact.index, event.data);
        continue;
      }
      const offset = Date.parse(event.created_at) - start;
      let best: number | undefined;
      for (const { turn, index } of agentTurns) {
        if (out.has(index)) continue;
        if (best === undefined || Math.abs(turn.offset_ms - offset) < Math.abs(turns[best]!.offset_ms - offset)) best = index;
      }
      if (best !== undefined) out.set(best, event.data);
    }
    return out;
  }, [turns, events, answeredAt]);

  if (turns.length === 0) return <Empty title={running ? 'Nobody has spoken yet' : 'No transcript'} />;
  return (
    <ol className="transcript" data-testid="transcript">
      {turns.map((turn, index) => {
        const latency = latencies.get(index);
        return (
          <li key={index} className={`turn ${turn.role}`}>
            <div className="turn-head"><strong>{turn.role === 'agent' ? 'Agent' : turn.role === 'contact' || turn.role === 'user' ? 'Contact' : turn.role}</strong> <span className="muted small">{(turn.offset_ms / 1000).toFixed(1)} s</span>{turn.interrupted ? <span className="badge subtle">interrupted</span> : null}{turn.input === 'keypad' ? <span className="badge subtle">keypad</span> : null}</div>
            <p>{turn.text}</p>
            {latency ? (
              <p className="latency small" aria-label="Latency stages">
                {stages.filter(([key]) => typeof latency[key] === 'number').map(([key, label]) => <span key={key}>{label} <strong>{Math.round(latency[key] as number)} ms</strong></span>)}
              </p>
            ) : null}
          </li>
        );
      })}
    </ol>
  );
}

/** The recording needs the key, so it is fetched and played from a blob URL. */
function Recording({ url }: { url: string }) {
  const audio = useLoad(async () => {
    const response = await fetch(url, { headers: { authorization: `Bearer ${session.key() ?? ''}` } });
    if (!response.ok) throw new Error(`The recording could not be loaded (${response.status})`);
    return URL.createObjectURL(await response.blob());
  }, [url]);
  if (audio.error) return <ErrorBox error={audio.error} />;
  if (!audio.data) return <Loading what="Loading the recording" />;
  return <audio controls src={audio.data} aria-label="Call recording" />;
}
