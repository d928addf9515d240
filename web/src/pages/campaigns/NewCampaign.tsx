/** Create a campaign (a draft): agent, number, calling window, pace, retries by reason, shared variables. */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { ApiError, post } from '../../api';
import { useAuth } from '../../auth';
import { allAgents, allNumbers } from '../../data';
import { retryReasons, weekDays, type Campaign } from '../../types';
import { ErrorBox, Field, Loading, useLoad } from '../../ui';
import { agentVariables } from '../NewCall';
import { campaignBody, initialForm, type CampaignForm } from './campaign-form';

const dayNames: Record<string, string> = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };
const reasonNames: Record<string, string> = { busy: 'Busy', no_answer: 'No answer', voicemail: 'Voicemail', failed: 'Failed' };

export function NewCampaignPage() {
  const { can } = useAuth();
  const navigate = useNavigate();
  const agents = useLoad(() => (can('agents:read') ? allAgents() : Promise.resolve(null)));
  const numbers = useLoad(() => (can('agents:read') ? allNumbers() : Promise.resolve([])));
  const [form, setForm] = useState<CampaignForm>(initialForm);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = (change: Partial<CampaignForm>) => setForm((current) => ({ ...current, ...change }));

  useEffect(() => {
    if (!form.agentId && agents.data?.[0]) set({ agentId: agents.data[0].id });
  }, [agents.data, form.agentId]);
  const agent = agents.data?.find((candidate) => candidate.id === form.agentId);
  const variables = useMemo(() => agentVariables(agent), [agent]);
  const problems = error instanceof ApiError ? error.fields : [];
  const problem = (field: string) => problems.find((entry) => entry.field === field || entry.field.startsWith(`${field}.`))?.message;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await post<Campaign>('/v1/campaigns', campaignBody(form, variables));
      navigate(`/campaigns/${created.id}`);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  if (agents.loading) return <Loading what="Loading agents" />;
  return (
    <section className="narrow">
      <h1>New campaign</h1>
      <form onSubmit={(event) => void submit(event)}>
        <Field label="Name" error={problem('name')}>
          {(props) => <input {...props} value={form.name} onChange={(event) => set({ name: event.target.value })} required maxLength={200} />}
        </Field>
        {agents.data ? (
          <Field label="Agent" error={problem('agent_id')}>
            {(props) => (
              <select {...props} value={form.agentId} onChange={(event) => set({ agentId: event.target.value })} required>
                {agents.data!.map((candidate) => <option key={candidate.id} value={candidate.id}>{candidate.name}</option>)}
              </select>
            )}
          </Field>
        ) : (
          <Field label="Agent id" hint="This key cannot list agents (agents:read)." error={problem('agent_id')}>
            {(props) => <input {...props} value={form.agentId} onChange={(event) => set({ agentId: event.target.value.trim() })} required placeholder="agent_…" />}
          </Field>
        )}
        {numbers.data?.length ? (
          <Field label="From" hint="Defaults to the agent's number." error={problem('from')}>
            {(props) => (
              <select {...props} value={form.from} onChange={(event) => set({ from: event.target.value })}>
                <option value="">The agent's number</option>
                {numbers.data!.map((number) => <option key={number.id} value={number.number}>{number.number} ({number.carrier})</option>)}
              </select>
            )}
          </Field>
        ) : null}

        <fieldset>
          <legend>Calling window</legend>
          <p className="hint">Read in each callee's own time zone: the number's, or the contact's <code>timezone</code> when the list gives one. Outside the window a contact waits; it is never dropped.</p>
          <label className="check"><input type="checkbox" checked={form.windowed} onChange={(event) => set({ windowed: event.target.checked })} /> Only call inside a window</label>
          {form.windowed ? (
            <>
              <fieldset className="days">
                <legend>Days</legend>
                {weekDays.map((day) => (
                  <label key={day} className="check">
                    <input type="checkbox" checked={form.days.includes(day)} onChange={(event) => set({ days: event.target.checked ? weekDays.filter((d) => d === day || form.days.includes(d)) : form.days.filter((d) => d !== day) })} />
                    <span aria-hidden="true">{day}</span><span className="visually-hidden">{dayNames[day]}</span>
                  </label>
                ))}
              </fieldset>
              {problem('schedule') ? <p className="field-error" role="alert">{problem('schedule')}</p> : null}
              <div className="form-grid">
                <Field label="Opens at" hint="24-hour clock, callee's time." error={problem('schedule.start')}>{(props) => <input {...props} value={form.start} onChange={(event) => set({ start: event.target.value })} required inputMode="numeric" placeholder="09:00" />}</Field>
                <Field label="Closes at" hint='"24:00" is midnight.' error={problem('schedule.end')}>{(props) => <input {...props} value={form.end} onChange={(event) => set({ end: event.target.value })} required inputMode="numeric" placeholder="17:00" />}</Field>
              </div>
            </>
          ) : null}
        </fieldset>

        <fieldset>
          <legend>Pace</legend>
          <div className="form-grid">
            <Field label="Max concurrent calls" hint="Within the organisation's limit; empty: that limit." error={problem('max_concurrency')}>
              {(props) => <input {...props} inputMode="numeric" value={form.maxConcurrency} onChange={(event) => set({ maxConcurrency: event.target.value })} placeholder="e.g. 5" />}
            </Field>
            <Field label="Calls per minute" hint="Empty: no limit." error={problem('calls_per_minute')}>
              {(props) => <input {...props} inputMode="numeric" value={form.callsPerMinute} onChange={(event) => set({ callsPerMinute: event.target.value })} placeholder="e.g. 30" />}
            </Field>
          </div>
        </fieldset>

        <fieldset>
          <legend>Retries by outcome</legend>
          <p className="hint">Attempts count the first call. A completed call, a canceled one or a number on the do-not-call list is never retried.</p>
          <div className="table-wrap">
            <table className="retry-table">
              <thead><tr><th scope="col">Outcome</th><th scope="col">Attempts</th><th scope="col">Wait (minutes)</th></tr></thead>
              <tbody>
                {retryReasons.map((reason) => (
                  <tr key={reason}>
                    <th scope="row">{reasonNames[reason]}</th>
                    <td><input aria-label={`Attempts when ${reasonNames[reason]!.toLowerCase()}`} aria-invalid={problem(`retry.${reason}`) ? true : undefined} inputMode="numeric" value={form.retry[reason].maxAttempts} onChange={(event) => set({ retry: { ...form.retry, [reason]: { ...form.retry[reason], maxAttempts: event.target.value } } })} /></td>
                    <td><input aria-label={`Minutes before retrying ${reasonNames[reason]!.toLowerCase()}`} aria-invalid={problem(`retry.${reason}`) ? true : undefined} inputMode="numeric" value={form.retry[reason].delayMinutes} onChange={(event) => set({ retry: { ...form.retry, [reason]: { ...form.retry[reason], delayMinutes: event.target.value } } })} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {problem('retry') ? <p className="field-error" role="alert">{problem('retry')}</p> : null}
        </fieldset>

        <fieldset>
          <legend>Variables for every contact</legend>
          <p className="hint">A contact's own values win. Leave empty to use the agent's defaults or each contact's.</p>
          {variables.length === 0 ? <p className="muted">{agent ? 'This agent uses no variables.' : 'Choose an agent to see its variables.'}</p> : null}
          <div className="form-grid">
            {variables.map((name) => (
              <Field key={name} label={name} {...(agent?.default_variables?.[name] !== undefined ? { hint: `Agent default: ${agent.default_variables[name]}` } : {})} error={problem(`variables.${name}`)}>
                {(props) => <input {...props} value={form.variables[name] ?? ''} onChange={(event) => set({ variables: { ...form.variables, [name]: event.target.value } })} />}
              </Field>
            ))}
          </div>
        </fieldset>

        <ErrorBox error={error} title="The campaign was not created" />
        <div className="actions">
          <button className="button primary" type="submit" disabled={busy || !form.agentId}>{busy ? 'Creating…' : 'Create campaign'}</button>
          <Link className="button ghost" to="/campaigns">Cancel</Link>
        </div>
      </form>
    </section>
  );
}
