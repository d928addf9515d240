/** Webhook endpoints (create, enable, rotate the secret, delete) and the delivery log with replay. */
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { del, get, patch, post, type Page } from '../api';
import { useAuth } from '../auth';
import type { Delivery, WebhookEndpoint } from '../types';
import { Empty, ErrorBox, Field, Loading, ShownOnce, StatusBadge, Time, useAction, useLoad } from '../ui';

/** The server's webhook event types (src/webhooks/events.ts). */
const eventTypes = [
  'call.queued', 'call.ringing', 'call.answered', 'call.completed', 'call.busy', 'call.no_answer', 'call.failed', 'call.canceled', 'call.voicemail',
  'call.amd', 'call.analyzed', 'call.transferred', 'call.recording_ready', 'call.recording_failed', 'call.recording_unavailable', 'campaign.started', 'campaign.paused', 'campaign.resumed', 'campaign.canceled', 'campaign.completed',
];

export function WebhooksPage() {
  const { can } = useAuth();
  const admin = can('admin');
  const endpoints = useLoad(() => get<Page<WebhookEndpoint>>('/v1/webhook-endpoints?limit=100'));
  const [status, setStatus] = useState('');
  const deliveries = useLoad(() => get<Page<Delivery>>(`/v1/webhook-deliveries?limit=50${status ? `&status=${status}` : ''}`), [status]);
  const [url, setUrl] = useState('');
  const [selected, setSelected] = useState<string[]>([]);
  const [secret, setSecret] = useState<{ label: string; value: string } | null>(null);

  const create = useAction(async () => {
    const created = await post<WebhookEndpoint>('/v1/webhook-endpoints', { url: url.trim(), ...(selected.length ? { events: selected } : {}) });
    setSecret({ label: `Signing secret of ${created.url}`, value: created.secret ?? '' });
    setUrl('');
    setSelected([]);
    endpoints.reload();
  });
  const rotate = useAction(async (endpoint: WebhookEndpoint) => {
    const rotated = await post<{ secret: string }>(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, {});
    setSecret({ label: `New signing secret of ${endpoint.url} (the old one keeps signing for 24 hours)`, value: rotated.secret });
  });
  const toggle = useAction(async (endpoint: WebhookEndpoint) => {
    await patch(`/v1/webhook-endpoints/${endpoint.id}`, { enabled: !endpoint.enabled });
    endpoints.reload();
  });
  const remove = useAction(async (endpoint: WebhookEndpoint) => {
    if (!window.confirm(`Delete the endpoint ${endpoint.url}?`)) return;
    await del(`/v1/webhook-endpoints/${endpoint.id}`);
    endpoints.reload();
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void create.run();
  };

  return (
    <section>
      <h1>Webhooks</h1>
      <p className="muted">Parley signs every delivery per Standard Webhooks and retries for over 24 hours.</p>
      {secret ? <ShownOnce label={secret.label} value={secret.value}><button type="button" className="button small ghost" onClick={() => setSecret(null)}>Done</button></ShownOnce> : null}
      {admin ? (
        <form className="card" onSubmit={submit} aria-labelledby="new-endpoint">
          <h2 id="new-endpoint">Add an endpoint</h2>
          <Field label="URL" hint="https://… where Parley posts events." error={create.error ? undefined : undefined}>
            {(props) => <input {...props} type="url" value={url} onChange={(event) => setUrl(event.target.value)} placeholder="https://example.com/parley" required />}
          </Field>
          <fieldset>
            <legend>Events (none chosen: all)</legend>
            <div className="checks">
              {eventTypes.map((type) => (
                <label key={type} className="check"><input type="checkbox" checked={selected.includes(type)} onChange={(event) => setSelected(event.target.checked ? [...selected, type] : selected.filter((t) => t !== type))} /> {type}</label>
              ))}
            </div>
          </fieldset>
          <ErrorBox error={create.error} title="The endpoint was not added" />
          <button className="button primary" type="submit" disabled={create.busy}>Add endpoint</button>
        </form>
      ) : null}
      <section className="card">
        <h2>Endpoints</h2>
        <ErrorBox error={endpoints.error ?? rotate.error ?? toggle.error ?? remove.error} />
        {endpoints.loading && !endpoints.data ? <Loading /> : null}
        {endpoints.data?.data.length === 0 ? <Empty title="No endpoints">{admin ? <p>Add one above to receive call events.</p> : null}</Empty> : null}
        {endpoints.data?.data.length ? (
          <ul className="rows">
            {endpoints.data.data.map((endpoint) => (
              <li key={endpoint.id} className="row">
                <div>
                  <div className="mono wrap">{endpoint.url}</div>
                  <div className="muted small">{endpoint.events.length ? endpoint.events.join(', ') : 'all events'} · {endpoint.enabled ? 'enabled' : `disabled${endpoint.disabled_reason ? ` (${String(endpoint.disabled_reason)})` : ''}`}</div>
                </div>
                {admin ? (
                  <div className="row-actions">
                    <button type="button" className="button small" onClick={() => void rotate.run(endpoint)}>Rotate secret</button>
                    <button type="button" className="button small" onClick={() => void toggle.run(endpoint)}>{endpoint.enabled ? 'Disable' : 'Enable'}</button>
                    <button type="button" className="button small danger" onClick={() => void remove.run(endpoint)}>Delete</button>
                  </div>
                ) : null}
              </li>
            ))}
          </ul>
        ) : null}
      </section>
      <section className="card">
        <div className="page-head">
          <h2>Delivery log</h2>
          <label>Status{' '}
            <select value={status} onChange={(event) => setStatus(event.target.value)}>
              <option value="">Any</option>
              {['pending', 'delivered', 'failed', 'abandoned'].map((s) => <option key={s} value={s}>{s}</option>)}
            </select>
          </label>
        </div>
        {deliveries.error ? <ErrorBox error={deliveries.error} /> : null}
        {deliveries.data ? <DeliveryTable deliveries={deliveries.data.data} onReplayed={deliveries.reload} /> : <Loading />}
      </section>
    </section>
  );
}

/** Deliveries with their last attempt; replay sends one again. */
export function DeliveryTable({ deliveries, onReplayed }: { deliveries: Delivery[]; onReplayed: () => void }) {
  const { can } = useAuth();
  const replay = useAction(async (delivery: Delivery) => {
    await post(`/v1/webhook-deliveries/${delivery.id}/replay`, {});
    onReplayed();
  });
  if (deliveries.length === 0) return <Empty title="No deliveries" />;
  return (
    <>
      <ErrorBox error={replay.error} title="Not replayed" />
      <div className="table-wrap">
        <table className="stack">
          <thead>
            <tr><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Last answer</th><th scope="col">Target</th><th scope="col">Created</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr>
          </thead>
          <tbody>
            {deliveries.map((delivery) => (
              <tr key={delivery.id}>
                <td data-label="Event" className="mono">{delivery.event_type}{delivery.call_id ? <div className="small"><Link to={`/calls/${delivery.call_id}`}>{delivery.call_id.slice(0, 14)}…</Link></div> : null}</td>
                <td data-label="Status"><StatusBadge status={delivery.status} /></td>
                <td data-label="Attempts">{delivery.attempts}{delivery.next_attempt_at ? <div className="muted small">next <Time at={delivery.next_attempt_at} /></div> : null}</td>
                <td data-label="Last answer">{delivery.last_status_code ?? '—'}{delivery.last_latency_ms !== null ? ` · ${delivery.last_latency_ms} ms` : ''}{delivery.last_error ? <div className="field-error small">{delivery.last_error}</div> : null}</td>
                <td data-label="Target" className="mono small wrap">{delivery.url}</td>
                <td data-label="Created"><Time at={delivery.created_at} /></td>
                <td data-label="">{can('admin') ? <button type="button" className="button small" disabled={replay.busy} onClick={() => void replay.run(delivery)} aria-label={`Replay ${delivery.event_type}`}>Replay</button> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
