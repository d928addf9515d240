/** Phone numbers: add one on a carrier, assign it to an agent, remove it. */
import { useState, type FormEvent } from 'react';
import { del, patch, post } from '../api';
import { useAuth } from '../auth';
import { allAgents, allNumbers } from '../data';
import type { PhoneNumber } from '../types';
import { Empty, ErrorBox, Field, Loading, useAction, useLoad } from '../ui';

export function NumbersPage() {
  const { can } = useAuth();
  const write = can('agents:write');
  const numbers = useLoad(allNumbers);
  const agents = useLoad(allAgents);
  const [number, setNumber] = useState('');
  const [carrier, setCarrier] = useState('sim');
  const [agentId, setAgentId] = useState('');
  const [label, setLabel] = useState('');
  const add = useAction(async () => {
    await post<PhoneNumber>('/v1/phone-numbers', { number: number.trim(), carrier, ...(agentId ? { agent_id: agentId } : {}), ...(label.trim() ? { label: label.trim() } : {}) });
    setNumber('');
    setLabel('');
    numbers.reload();
  });
  const assign = useAction(async (id: string, agent: string) => {
    await patch(`/v1/phone-numbers/${id}`, { agent_id: agent || null });
    numbers.reload();
  });
  const remove = useAction(async (row: PhoneNumber) => {
    if (!window.confirm(`Remove ${row.number}?`)) return;
    await del(`/v1/phone-numbers/${row.id}`);
    numbers.reload();
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void add.run();
  };
  const fieldError = (name: string) => (add.error as { fields?: { field: string; message: string }[] } | null)?.fields?.find((field) => field.field === name)?.message;

  return (
    <section>
      <h1>Phone numbers</h1>
      {write ? (
        <form className="card" onSubmit={submit} aria-labelledby="new-number">
          <h2 id="new-number">Add a number</h2>
          <div className="form-grid">
            <Field label="Number" hint="E.164, like +14155550123" error={fieldError('number')}>
              {(props) => <input {...props} type="tel" value={number} onChange={(event) => setNumber(event.target.value)} required placeholder="+14155550123" />}
            </Field>
            <Field label="Carrier" hint="sim: the built-in simulated network; twilio: needs TWILIO_* on the server.">
              {(props) => (
                <select {...props} value={carrier} onChange={(event) => setCarrier(event.target.value)}>
                  <option value="sim">sim</option>
                  <option value="twilio">twilio</option>
                </select>
              )}
            </Field>
            <Field label="Agent">
              {(props) => (
                <select {...props} value={agentId} onChange={(event) => setAgentId(event.target.value)}>
                  <option value="">Unassigned</option>
                  {agents.data?.map((agent) => <option key={agent.id} value={agent.id}>{agent.name}</option>)}
                </select>
              )}
            </Field>
            <Field label="Label">{(props) => <input {...props} value={label} onChange={(event) => setLabel(event.target.value)} maxLength={200} />}</Field>
          </div>
          <ErrorBox error={add.error} title="The number was not added" />
          <button className="button primary" type="submit" disabled={add.busy}>Add number</button>
        </form>
      ) : null}
      <section className="card">
        <h2>Numbers</h2>
        <ErrorBox error={numbers.error ?? assign.error ?? remove.error} />
        {numbers.loading && !numbers.data ? <Loading /> : null}
        {numbers.data?.length === 0 ? <Empty title="No numbers yet"><p>An agent needs a number to call from.</p></Empty> : null}
        {numbers.data?.length ? (
          <div className="table-wrap">
            <table className="stack">
              <thead><tr><th scope="col">Number</th><th scope="col">Carrier</th><th scope="col">Agent</th><th scope="col">Label</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
              <tbody>
                {numbers.data.map((row) => (
                  <tr key={row.id}>
                    <td data-label="Number" className="mono">{row.number}</td>
                    <td data-label="Carrier">{row.carrier}</td>
                    <td data-label="Agent">
                      <select aria-label={`Agent for ${row.number}`} value={row.agent_id ?? ''} disabled={!write || assign.busy} onChange={(event) => void assign.run(row.id, event.target.value)}>
                        <option value="">Unassigned</option>
                        {agents.data?.map((agent) => <option key={agent.id} value={agent.id}>{agent.name}</option>)}
                      </select>
                    </td>
                    <td data-label="Label">{row.label ?? ''}</td>
                    <td data-label="">{write ? <button type="button" className="button small danger" onClick={() => void remove.run(row)} aria-label={`Remove ${row.number}`}>Remove</button> : null}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
    </section>
  );
}
