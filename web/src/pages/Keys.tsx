/** API keys: create with scopes (the key shown once, with copy), list by prefix, revoke. */
import { useState, type FormEvent } from 'react';
import { del, get, post } from '../api';
import { scopes, type ApiKey, type Scope } from '../types';
import { Empty, ErrorBox, Field, Loading, ShownOnce, Time, useAction, useLoad } from '../ui';

export function KeysPage() {
  const keys = useLoad(() => get<{ data: ApiKey[] }>('/v1/api-keys'));
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<Scope[]>(['calls:read', 'calls:write']);
  const [created, setCreated] = useState<ApiKey | null>(null);
  const create = useAction(async () => {
    const key = await post<ApiKey>('/v1/api-keys', { name: name.trim(), scopes: chosen });
    setCreated(key);
    setName('');
    keys.reload();
  });
  const revoke = useAction(async (key: ApiKey) => {
    if (!window.confirm(`Revoke the key "${key.name}" (${key.prefix}…)? Anything using it stops working.`)) return;
    await del(`/v1/api-keys/${key.id}`);
    keys.reload();
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void create.run();
  };
  const live = keys.data?.data.filter((key) => !key.revoked_at) ?? [];
  const revoked = keys.data?.data.filter((key) => key.revoked_at) ?? [];

  return (
    <section>
      <h1>API keys</h1>
      {created?.key ? <ShownOnce label={`Key "${created.name}"`} value={created.key}><button type="button" className="button small ghost" onClick={() => setCreated(null)}>Done</button></ShownOnce> : null}
      <form className="card" onSubmit={submit} aria-labelledby="new-key">
        <h2 id="new-key">Create a key</h2>
        <Field label="Name" hint="Who or what uses it, e.g. crm-sync.">
          {(props) => <input {...props} value={name} onChange={(event) => setName(event.target.value)} required maxLength={200} />}
        </Field>
        <fieldset>
          <legend>Scopes</legend>
          <div className="checks">
            {scopes.map((scope) => (
              <label key={scope} className="check"><input type="checkbox" checked={chosen.includes(scope)} onChange={(event) => setChosen(event.target.checked ? [...chosen, scope] : chosen.filter((s) => s !== scope))} /> <code>{scope}</code></label>
            ))}
          </div>
        </fieldset>
        <ErrorBox error={create.error} title="The key was not created" />
        <button className="button primary" type="submit" disabled={create.busy || chosen.length === 0 || !name.trim()}>Create key</button>
      </form>
      <section className="card">
        <h2>Keys</h2>
        <ErrorBox error={keys.error ?? revoke.error} />
        {keys.loading && !keys.data ? <Loading /> : null}
        {keys.data && live.length === 0 ? <Empty title="No live keys" /> : null}
        {live.length ? (
          <div className="table-wrap">
            <table className="stack">
              <thead><tr><th scope="col">Name</th><th scope="col">Prefix</th><th scope="col">Scopes</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
              <tbody>
                {live.map((key) => (
                  <tr key={key.id} data-key-prefix={key.prefix}>
                    <td data-label="Name">{key.name}</td>
                    <td data-label="Prefix" className="mono">{key.prefix}…</td>
                    <td data-label="Scopes">{key.scopes.map((scope) => <span key={scope} className="chip">{scope}</span>)}</td>
                    <td data-label="Created"><Time at={key.created_at} /></td>
                    <td data-label="Last used"><Time at={key.last_used_at} /></td>
                    <td data-label=""><button type="button" className="button small danger" onClick={() => void revoke.run(key)} aria-label={`Revoke ${key.name}`}>Revoke</button></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {revoked.length ? (
          <details>
            <summary>{revoked.length} revoked</summary>
            <ul className="rows">{revoked.map((key) => <li key={key.id} className="row" data-key-prefix={key.prefix}><span>{key.name} <span className="mono">{key.prefix}…</span></span><span className="muted small">revoked <Time at={key.revoked_at} /></span></li>)}</ul>
          </details>
        ) : null}
      </section>
    </section>
  );
}
