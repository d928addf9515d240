/** Place a call: the agent, the number to call, and the agent's {{variables}} as fields. */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ApiError, post } from '../api';
import { useAuth } from '../auth';
import { allAgents, allNumbers } from '../data';
import type { Agent, Call } from '../types';
import { Empty, ErrorBox, Field, Loading, useLoad, variablesIn } from '../ui';

/** Variables an agent uses: those its texts (or flow) name, then those it has defaults for. */
export function agentVariables(agent: Agent | undefined): string[] {
  if (!agent) return [];
  const names = variablesIn(agent.prompt, agent.greeting, agent.kind === 'flow' ? JSON.stringify(agent.flow ?? {}) : '');
  for (const name of Object.keys(agent.default_variables ?? {})) if (!names.includes(name)) names.push(name);
  return names;
}

export function NewCallPage() {
  const { can } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const agents = useLoad(allAgents);
  const numbers = useLoad(() => (can('agents:read') ? allNumbers() : Promise.resolve([])));
  const [agentId, setAgentId] = useState(params.get('agent_id') ?? '');
  const [to, setTo] = useState('');
  const [from, setFrom] = useState('');
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!agentId && agents.data?.[0]) setAgentId(agents.data[0].id);
  }, [agents.data, agentId]);
  const agent = agents.data?.find((candidate) => candidate.id === agentId);
  const variables = useMemo(() => agentVariables(agent), [agent]);
  const fieldErrors = error instanceof ApiError ? Object.fromEntries(error.fields.map((field) => [field.field, field.message])) : {};
  const missing = error instanceof ApiError && error.code === 'VARIABLES_MISSING' ? ((error.details as { missing?: string[] })?.missing ?? []) : [];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const given = Object.fromEntries(Object.entries(values).filter(([name, value]) => variables.includes(name) && value.trim() !== ''));
      const call = await post<Call>('/v1/calls', { agent_id: agentId, to: to.trim(), ...(from ? { from } : {}), variables: given });
      navigate(`/calls/${call.id}`);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  if (agents.loading) return <Loading what="Loading agents" />;
  if (agents.error) return <ErrorBox error={agents.error} />;
  if (!agents.data?.length) return <Empty title="No agents yet"><p>A call needs an agent. <Link to="/agents/new">Create one</Link>.</p></Empty>;
  const agentNumbers = numbers.data ?? [];

  return (
    <section className="narrow">
      <h1>New call</h1>
      <form onSubmit={(event) => void submit(event)}>
        <Field label="Agent">
          {(props) => (
            <select {...props} value={agentId} onChange={(event) => setAgentId(event.target.value)} required>
              {agents.data!.map((candidate) => <option key={candidate.id} value={candidate.id}>{candidate.name}</option>)}
            </select>
          )}
        </Field>
        <Field label="Number to call" hint="E.164, like +14155550100. On the simulated network the last digit picks who answers (0: a person)." error={fieldErrors.to}>
          {(props) => <input {...props} type="tel" value={to} onChange={(event) => setTo(event.target.value)} placeholder="+14155550100" required autoComplete="off" />}
        </Field>
        {agentNumbers.length > 0 ? (
          <Field label="From" hint="Defaults to the agent's number." error={fieldErrors.from}>
            {(props) => (
              <select {...props} value={from} onChange={(event) => setFrom(event.target.value)}>
                <option value="">The agent's number</option>
                {agentNumbers.map((number) => <option key={number.id} value={number.number}>{number.number} ({number.carrier})</option>)}
              </select>
            )}
          </Field>
        ) : null}
        <fieldset>
          <legend>Variables</legend>
          {variables.length === 0 ? <p className="muted">This agent uses no variables.</p> : null}
          {variables.map((name) => {
            const fallback = agent?.default_variables?.[name];
            return (
              <Field key={name} label={name} hint={fallback !== undefined ? `Default: ${fallback}` : 'Required: the agent has no default.'} error={fieldErrors[`variables.${name}`] ?? (missing.includes(name) ? 'needs a value' : undefined)}>
                {(props) => <input {...props} name={`var-${name}`} value={values[name] ?? ''} onChange={(event) => setValues({ ...values, [name]: event.target.value })} placeholder={fallback ?? ''} />}
              </Field>
            );
          })}
        </fieldset>
        <ErrorBox error={error} title="The call was not placed" />
        <div className="actions">
          <button className="button primary" type="submit" disabled={busy || !agentId}>{busy ? 'Placing…' : 'Place call'}</button>
          <Link className="button ghost" to="/calls">Cancel</Link>
        </div>
      </form>
    </section>
  );
}
