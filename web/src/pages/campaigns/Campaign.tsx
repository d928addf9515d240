/**
 * One campaign: its settings, start/pause/resume/cancel, progress and contacts updating live from
 * /v1/events (its own events and its calls'), and adding contacts while it is not finished.
 */
import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { del, get, post, type Page } from '../../api';
import { useAuth } from '../../auth';
import { agentName, allAgents } from '../../data';
import { useLiveEvents, useLiveState } from '../../live';
import type { Campaign, CampaignContact, CampaignStatus } from '../../types';
import { Empty, ErrorBox, Loading, StatusBadge, Time, useAction, useLoad } from '../../ui';
import { CampaignProgressView } from './progress';
import { ContactsImport } from './ContactsImport';
import { ContactsTable } from './ContactsTable';

const contactsPage = 100;
/** A busy campaign raises an event per call status: the page reads again at most this often. */
const refreshMs = 500;

function windowText(schedule: Campaign['schedule']): string {
  if (!schedule) return 'any time';
  if (!schedule.start) return "per-day hours, callee's time";
  const days = schedule.days?.length && schedule.days.length < 7 ? schedule.days.join(', ') : 'every day';
  return `${days}, ${schedule.start}–${schedule.end} callee's time`;
}

const moves: { action: 'start' | 'pause' | 'resume' | 'cancel'; label: string; from: CampaignStatus[] }[] = [
  { action: 'start', label: 'Start', from: ['draft'] },
  { action: 'pause', label: 'Pause', from: ['running'] },
  { action: 'resume', label: 'Resume', from: ['paused'] },
  { action: 'cancel', label: 'Cancel campaign', from: ['draft', 'running', 'paused'] },
];

export function CampaignPage() {
  const { id = '' } = useParams();
  const { can } = useAuth();
  const navigate = useNavigate();
  const write = can('calls:write');
  const campaign = useLoad(() => get<Campaign>(`/v1/campaigns/${encodeURIComponent(id)}`), [id]);
  const [pages, setPages] = useState(1);
  const contacts = useLoad(async () => {
    const rows: CampaignContact[] = [];
    let cursor: string | null | undefined;
    let more = false;
    for (let page = 0; page < pages; page++) {
      const found = await get<Page<CampaignContact>>(`/v1/campaigns/${encodeURIComponent(id)}/contacts?limit=${contactsPage}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      rows.push(...found.data);
      more = Boolean(found.has_more);
      cursor = found.next_cursor;
      if (!more) break;
    }
    return { rows, more };
  }, [id, pages]);
  const agents = useLoad(() => (can('agents:read') ? allAgents() : Promise.resolve([])));
  const live = useLiveState();

  const timer = useRef<number | undefined>(undefined);
  const refresh = () => {
    if (timer.current !== undefined) return;
    timer.current = window.setTimeout(() => {
      timer.current = undefined;
      campaign.reload();
      contacts.reload();
    }, refreshMs);
  };
  useEffect(() => () => window.clearTimeout(timer.current), []);
  useLiveEvents((event) => {
    if (event.campaign_id === id) refresh();
  });

  const move = useAction(async (action: (typeof moves)[number]['action']) => {
    if (action === 'cancel' && !window.confirm('Cancel this campaign? Waiting contacts are dropped and live calls hung up.')) return;
    campaign.setData(await post<Campaign>(`/v1/campaigns/${encodeURIComponent(id)}/${action}`));
    contacts.reload();
  });
  const remove = useAction(async () => {
    if (!window.confirm('Delete this campaign? Its calls stay.')) return;
    await del(`/v1/campaigns/${encodeURIComponent(id)}`);
    navigate('/campaigns');
  });

  if (campaign.loading && !campaign.data) return <Loading what="Loading the campaign" />;
  if (!campaign.data) return <section><h1>Campaign</h1><ErrorBox error={campaign.error} title="The campaign could not be loaded" /><p><Link to="/campaigns">All campaigns</Link></p></section>;
  const row = campaign.data;
  const finished = row.status === 'completed' || row.status === 'canceled';

  return (
    <section>
      <p><Link to="/campaigns">← All campaigns</Link></p>
      <div className="page-head">
        <h1>{row.name} <StatusBadge status={row.status} /></h1>
        <span className={`live-dot ${live}`}>{live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting…' : 'Offline'}</span>
      </div>
      {write ? (
        <div className="actions" role="group" aria-label="Campaign actions">
          {moves.filter((entry) => entry.from.includes(row.status)).map((entry) => (
            <button key={entry.action} type="button" className={`button${entry.action === 'cancel' ? ' danger' : entry.action === 'pause' ? '' : ' primary'}`} disabled={move.busy} onClick={() => void move.run(entry.action)}>{entry.label}</button>
          ))}
          {row.status !== 'running' ? <button type="button" className="button ghost" disabled={remove.busy} onClick={() => void remove.run()}>Delete</button> : null}
        </div>
      ) : null}
      <ErrorBox error={move.error ?? remove.error} title="That did not work" />

      <div className="grid-2">
        <section className="card" aria-labelledby="progress-head">
          <h2 id="progress-head">Progress</h2>
          {row.progress ? <CampaignProgressView progress={row.progress} /> : <Loading />}
        </section>
        <section className="card" aria-labelledby="settings-head">
          <h2 id="settings-head">Settings</h2>
          <dl className="facts">
            <div><dt>Agent</dt><dd>{can('agents:read') ? <Link to={`/agents/${row.agent_id}`}>{agentName(agents.data, row.agent_id)}</Link> : row.agent_id}</dd></div>
            <div><dt>From</dt><dd className="mono">{row.from ?? "the agent's number"}</dd></div>
            <div><dt>Window</dt><dd>{windowText(row.schedule)}</dd></div>
            <div><dt>Pace</dt><dd>{row.max_concurrency ?? 'org limit'} at once · {row.calls_per_minute ? `${row.calls_per_minute}/min` : 'no rate limit'}</dd></div>
            <div><dt>Retries</dt><dd>{Object.entries(row.retry).map(([reason, rule]) => <span key={reason} className="chip">{reason.replace('_', ' ')}: {rule.max_attempts}×, {Math.round(rule.delay_s / 60)} min apart</span>)}</dd></div>
            <div><dt>Variables</dt><dd>{Object.keys(row.variables).length ? Object.entries(row.variables).map(([name, value]) => `${name}=${String(value)}`).join(', ') : <span className="muted">none</span>}</dd></div>
            <div><dt>Started</dt><dd><Time at={row.started_at} /></dd></div>
            <div><dt>Ended</dt><dd><Time at={row.ended_at} /></dd></div>
          </dl>
        </section>
      </div>

      {write && !finished ? <ContactsImport campaignId={row.id} onImported={() => { campaign.reload(); contacts.reload(); }} /> : null}

      <section className="card" aria-labelledby="contacts-head">
        <h2 id="contacts-head">Contacts</h2>
        <ErrorBox error={contacts.error} title="The contacts could not be loaded" />
        {contacts.loading && !contacts.data ? <Loading what="Loading contacts" /> : null}
        {contacts.data?.rows.length === 0 ? <Empty title="No contacts yet">{write && !finished ? <p>Add rows or upload a CSV above, then start the campaign.</p> : null}</Empty> : null}
        {contacts.data?.rows.length ? <ContactsTable contacts={contacts.data.rows} /> : null}
        {contacts.data?.more ? <button type="button" className="button" onClick={() => setPages((n) => n + 1)} disabled={contacts.loading}>Show more contacts</button> : null}
      </section>
    </section>
  );
}
