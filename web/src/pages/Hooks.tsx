/** Inbound hooks: a secret URL for Zapier, HubSpot or n8n, shown once in the native and HuskyVoice forms. */
import { useState, type FormEvent } from 'react';
import { del, get, post } from '../api';
import { useAuth } from '../auth';
import { allAgents, agentName } from '../data';
import type { Hook } from '../types';
import { CopyButton, Empty, ErrorBox, Field, Loading, Time, useAction, useLoad } from '../ui';

export function HooksPage() {
  const { can } = useAuth();
  const hooks = useLoad(() => get<{ data: Hook[] }>('/v1/hooks'));
  const agents = useLoad(() => (can('agents:read') ? allAgents() : Promise.resolve([])));
  const [name, setName] = useState('');
  const [agentId, setAgentId] = useState('');
  const [created, setCreated] = useState<Hook | null>(null);
  const create = useAction(async () => {
    const hook = await post<Hook>('/v1/hooks', { name: name.trim() || 'hook', ...(agentId ? { agent_id: agentId } : {}) });
    setCreated(hook);
    setName('');
    hooks.reload();
  });
  const revoke = useAction(async (hook: Hook) => {
    if (!window.confirm(`Revoke the hook "${hook.name}"? Its URL stops working.`)) return;
    await del(`/v1/hooks/${hook.id}`);
    hooks.reload();
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void create.run();
  };
  const origin = window.location.origin;
  const live = hooks.data?.data.filter((hook) => !hook.revoked_at) ?? [];

  return (
    <section>
      <h1>Inbound hooks</h1>
      <p className="muted">A secret URL another tool posts to, to place a call: <code>{'{"action": "call.create", "data": {"agent_id", "contact_number", "contact_name", "additional_info"}}'}</code>.</p>
      {created?.token ? (
        <div className="shown-once" role="region" aria-label="New hook URL">
          <p><strong>Hook "{created.name}"</strong> — its URL is shown only now.</p>
          <p className="small">Native</p>
          <div className="secret-row"><code className="secret" data-testid="hook-url">{`${origin}/v1/hooks/${created.token}`}</code><CopyButton text={`${origin}/v1/hooks/${created.token}`} /></div>
          <p className="small">HuskyVoice form</p>
          <div className="secret-row"><code className="secret">{`${origin}/compat/huskyvoice/v1/hooks/${created.token}`}</code><CopyButton text={`${origin}/compat/huskyvoice/v1/hooks/${created.token}`} /></div>
          <button type="button" className="button small ghost" onClick={() => setCreated(null)}>Done</button>
        </div>
      ) : null}
      {can('calls:write') ? (
        <form className="card" onSubmit={submit} aria-labelledby="new-hook">
          <h2 id="new-hook">Create a hook</h2>
          <Field label="Name">{(props) => <input {...props} value={name} onChange={(event) => setName(event.target.value)} placeholder="hubspot" maxLength={200} />}</Field>
          {can('agents:read') ? (
            <Field label="Agent" hint="With an agent, a request may leave out data.agent_id.">
              {(props) => (
                <select {...props} value={agentId} onChange={(event) => setAgentId(event.target.value)}>
                  <option value="">None (each request names one)</option>
                  {agents.data?.map((agent) => <option key={agent.id} value={agent.id}>{agent.name}</option>)}
                </select>
              )}
            </Field>
          ) : null}
          <ErrorBox error={create.error} title="The hook was not created" />
          <button className="button primary" type="submit" disabled={create.busy}>Create hook</button>
        </form>
      ) : null}
      <section className="card">
        <h2>Hooks</h2>
        <ErrorBox error={hooks.error ?? revoke.error} />
        {hooks.loading && !hooks.data ? <Loading /> : null}
        {hooks.data && live.length === 0 ? <Empty title="No hooks" /> : null}
        {live.length ? (
          <ul className="rows">
            {live.map((hook) => (
              <li key={hook.id} className="row">
                <div>
                  <div>{hook.name} <span className="mono muted">{String(hook.prefix ?? '')}…</span></div>
                  <div className="muted small">{hook.agent_id ? `Agent: ${agentName(agents.data, hook.agent_id)}` : 'Any agent'} · created <Time at={hook.created_at} /> · last used <Time at={hook.last_used_at as string | null} /></div>
                </div>
                {can('calls:write') ? <button type="button" className="button small danger" onClick={() => void revoke.run(hook)} aria-label={`Revoke ${hook.name}`}>Revoke</button> : null}
              </li>
            ))}
          </ul>
        ) : null}
      </section>
    </section>
  );
}
