/** Campaigns, newest first; refreshed live by campaign events. */
import { Link } from 'react-router';
import { get, type Page } from '../../api';
import { useAuth } from '../../auth';
import { agentName, allAgents } from '../../data';
import { useLiveEvents } from '../../live';
import type { Campaign } from '../../types';
import { Empty, ErrorBox, Loading, StatusBadge, Time, useLoad } from '../../ui';

export function CampaignsPage() {
  const { can } = useAuth();
  const campaigns = useLoad(() => get<Page<Campaign>>('/v1/campaigns?limit=100'));
  const agents = useLoad(() => (can('agents:read') ? allAgents() : Promise.resolve([])));
  useLiveEvents((event) => {
    if (event.type.startsWith('campaign.')) campaigns.reload();
  });

  return (
    <section>
      <div className="page-head">
        <h1>Campaigns</h1>
        {can('calls:write') ? <Link className="button primary" to="/campaigns/new">New campaign</Link> : null}
      </div>
      <p className="muted">A campaign calls a list of contacts with one agent, inside a calling window in each callee's own time, retrying the ones who did not pick up.</p>
      <section className="card" aria-labelledby="campaigns-head">
        <h2 id="campaigns-head" className="visually-hidden">All campaigns</h2>
        <ErrorBox error={campaigns.error} title="The campaigns could not be loaded" />
        {campaigns.loading && !campaigns.data ? <Loading what="Loading campaigns" /> : null}
        {campaigns.data?.data.length === 0 ? (
          <Empty title="No campaigns yet">{can('calls:write') ? <p><Link to="/campaigns/new">Create one</Link>, add its contacts, then start it.</p> : null}</Empty>
        ) : null}
        {campaigns.data?.data.length ? (
          <div className="table-wrap">
            <table className="stack">
              <thead><tr><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Agent</th><th scope="col">Created</th><th scope="col">Started</th><th scope="col">Ended</th></tr></thead>
              <tbody>
                {campaigns.data.data.map((campaign) => (
                  <tr key={campaign.id} data-campaign-id={campaign.id}>
                    <td data-label="Name"><Link to={`/campaigns/${campaign.id}`}>{campaign.name}</Link></td>
                    <td data-label="Status"><StatusBadge status={campaign.status} /></td>
                    <td data-label="Agent">{agentName(agents.data, campaign.agent_id)}</td>
                    <td data-label="Created"><Time at={campaign.created_at} /></td>
                    <td data-label="Started"><Time at={campaign.started_at} /></td>
                    <td data-label="Ended"><Time at={campaign.ended_at} /></td>
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
