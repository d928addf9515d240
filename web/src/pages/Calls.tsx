/** Calls, newest first, updated live from /v1/events; filters by status, agent, number and date. */
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { get, query, type Page } from '../api';
import { useAuth } from '../auth';
import { allAgents, agentName } from '../data';
import { useLiveEvents, useLiveState } from '../live';
import { callStatuses, type Call } from '../types';
import { Empty, ErrorBox, Loading, StatusBadge, Time, useLoad } from '../ui';

const pageSize = 25;

export function CallsPage() {
  const { can } = useAuth();
  const [params, setParams] = useSearchParams();
  const filters = {
    status: params.get('status') ?? '',
    agent_id: params.get('agent_id') ?? '',
    number: params.get('number') ?? '',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
  };
  const [cursor, setCursor] = useState<string | null>(null);
  const agents = useLoad(() => (can('agents:read') ? allAgents() : Promise.resolve([])));
  const calls = useLoad(
    () =>
      get<Page<Call>>(
        `/v1/calls${query({
          limit: pageSize,
          status: filters.status,
          agent_id: filters.agent_id,
          number: filters.number,
          created_after: filters.from ? new Date(`${filters.from}T00:00:00`).toISOString() : undefined,
          created_before: filters.to ? new Date(`${filters.to}T23:59:59.999`).toISOString() : undefined,
          cursor,
        })}`,
      ),
    [params.toString(), cursor],
  );
  const live = useLiveState();

  useLiveEvents((event) => {
    const status = event.type.startsWith('call.') ? (event.data.status as string | undefined) : undefined;
    if (!status || !calls.data) return;
    const listed = calls.data.data.some((call) => call.id === event.call_id);
    if (listed) {
      calls.setData((current) => current && { ...current, data: current.data.map((call) => (call.id === event.call_id ? { ...call, status } : call)) });
    } else if (event.type === 'call.queued' && !cursor) {
      calls.reload();
    }
  });

  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setCursor(null);
    setParams(next, { replace: true });
  };

  return (
    <section>
      <div className="page-head">
        <h1>Calls</h1>
        <span className={`live-dot ${live}`} role="status">{live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting…' : 'Offline'}</span>
        {can('calls:write') ? <Link className="button primary" to="/calls/new">New call</Link> : null}
      </div>
      <form className="filters" aria-label="Filter calls" onSubmit={(event) => event.preventDefault()}>
        <label>Status
          <select value={filters.status} onChange={(event) => setFilter('status', event.target.value)}>
            <option value="">Any</option>
            {callStatuses.map((status) => <option key={status} value={status}>{status.replace('_', ' ')}</option>)}
          </select>
        </label>
        {can('agents:read') ? (
          <label>Agent
            <select value={filters.agent_id} onChange={(event) => setFilter('agent_id', event.target.value)}>
              <option value="">Any</option>
              {agents.data?.map((agent) => <option key={agent.id} value={agent.id}>{agent.name}</option>)}
            </select>
          </label>
        ) : null}
        <label>Number
          <input type="search" inputMode="tel" placeholder="+14155550100" defaultValue={filters.number} onBlur={(event) => setFilter('number', event.target.value.trim())}
            onKeyDown={(event) => event.key === 'Enter' && setFilter('number', event.currentTarget.value.trim())} />
        </label>
        <label>From
          <input type="date" value={filters.from} onChange={(event) => setFilter('from', event.target.value)} />
        </label>
        <label>To
          <input type="date" value={filters.to} onChange={(event) => setFilter('to', event.target.value)} />
        </label>
      </form>
      {calls.error ? <ErrorBox error={calls.error} title="Calls could not be loaded" /> : null}
      {calls.loading && !calls.data ? <Loading what="Loading calls" /> : null}
      {calls.data && calls.data.data.length === 0 ? (
        <Empty title={params.toString() ? 'No calls match these filters' : 'No calls yet'}>
          {can('calls:write') && !params.toString() ? <p><Link to="/calls/new">Place the first call</Link>, or talk to an agent from its page.</p> : null}
        </Empty>
      ) : null}
      {calls.data && calls.data.data.length > 0 ? (
        <div className="table-wrap">
          <table className="stack">
            <caption className="visually-hidden">Calls, newest first</caption>
            <thead>
              <tr><th scope="col">Call</th><th scope="col">Status</th><th scope="col">Agent</th><th scope="col">To</th><th scope="col">Created</th><th scope="col">Duration</th></tr>
            </thead>
            <tbody>
              {calls.data.data.map((call) => (
                <tr key={call.id} data-call-id={call.id}>
                  <td data-label="Call"><Link to={`/calls/${call.id}`}>{call.id.slice(0, 14)}…</Link>{call.carrier === 'web' ? <span className="badge subtle">web</span> : null}</td>
                  <td data-label="Status"><StatusBadge status={call.status} /></td>
                  <td data-label="Agent">{agentName(agents.data, call.agent_id)}</td>
                  <td data-label="To" className="mono">{call.to}</td>
                  <td data-label="Created"><Time at={call.created_at} /></td>
                  <td data-label="Duration">{call.duration_s !== null ? `${call.duration_s} s` : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <div className="pager">
        {cursor ? <button type="button" className="button" onClick={() => setCursor(null)}>Newest</button> : null}
        {calls.data?.has_more && calls.data.next_cursor ? <button type="button" className="button" onClick={() => setCursor(calls.data!.next_cursor!)}>Older calls</button> : null}
      </div>
    </section>
  );
}
