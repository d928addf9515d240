/** Agents, newest first. */
import { Link } from 'react-router';
import { useAuth } from '../auth';
import { allAgents } from '../data';
import { Empty, ErrorBox, Loading, Time, useLoad, variablesIn } from '../ui';

export function AgentsPage() {
  const { can } = useAuth();
  const agents = useLoad(allAgents);
  return (
    <section>
      <div className="page-head">
        <h1>Agents</h1>
        {can('agents:write') ? <Link className="button primary" to="/agents/new">Create agent</Link> : null}
      </div>
      <ErrorBox error={agents.error} title="Agents could not be loaded" />
      {agents.loading && !agents.data ? <Loading what="Loading agents" /> : null}
      {agents.data?.length === 0 ? (
        <Empty title="No agents yet">
          {can('agents:write') ? <p><Link to="/agents/new">Create one</Link> from a prompt, or from the appointment-confirmation flow that needs no model.</p> : null}
        </Empty>
      ) : null}
      {agents.data?.length ? (
        <ul className="cards">
          {agents.data.map((agent) => {
            const variables = variablesIn(agent.prompt, agent.greeting);
            return (
              <li key={agent.id} className="card agent-card">
                <h2><Link to={`/agents/${agent.id}`}>{agent.name}</Link></h2>
                <p className="muted small">{agent.kind === 'flow' ? 'Flow agent' : 'Prompt agent'} · {agent.language} · updated <Time at={agent.updated_at} /></p>
                {agent.greeting ? <p className="clip">“{agent.greeting}”</p> : null}
                {variables.length ? <p>{variables.map((name) => <span key={name} className="chip">{`{{${name}}}`}</span>)}</p> : null}
              </li>
            );
          })}
        </ul>
      ) : null}
    </section>
  );
}
