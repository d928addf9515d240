/**
 * Writes every organisation event (campaign.started, campaign.paused, campaign.completed, …) to
 * `org_events` inside the transaction of the change it reports, so GET /v1/events streams it to
 * every process's subscribers and replays it to a client resuming with Last-Event-ID.
 */
import type { Db } from '../store/database.js';
import { orgEvents } from '../store/schema.js';
import type { OrgEvent } from '../orgs/org-events.js';

/** The campaign a `campaign.*` event is about: its data is the campaign as the API shows it. */
function campaignOf(event: OrgEvent): string | null {
  return event.type.startsWith('campaign.') && typeof event.data.id === 'string' ? event.data.id : null;
}

export async function recordOrgEvent(tx: Db, event: OrgEvent): Promise<void> {
  await tx.insert(orgEvents).values({ orgId: event.orgId, type: event.type, campaignId: campaignOf(event), data: event.data, createdAt: event.at });
}
