/**
 * Turns a call event into webhook deliveries inside the event's own transaction: one row per
 * enabled endpoint of the organisation that wants the event, and one for the call's own
 * webhook_url. The event and its deliveries commit together, so a crash loses neither.
 */
import { and, eq, inArray, notInArray } from 'drizzle-orm';
import type { Db } from '../store/database.js';
import { webhookDeliveries, webhookEndpoints } from '../store/schema.js';
import { newId } from '../shared/ids.js';
import { callView, type CallRow } from '../calls/call-view.js';
import { eventForCallEvent, isWebhookEventType, webhookPayload } from './events.js';
import type { OrgEvent } from '../orgs/org-events.js';

/** Statuses after which a delivery no longer holds back later ones of its call and target. */
export const finishedStatuses = ['delivered', 'abandoned'] as const;

/** A delivery of the event that may go out at once (nothing earlier to the same target is waiting). */
export interface CreatedDelivery {
  readonly id: string;
  readonly endpointId: string | null;
}

/**
 * Writes the deliveries for one call event of one or more calls (a claim round records many at
 * once) and returns those at the head of their (call, target) line: the ones to send now. The
 * rest wait for the delivery before them, which hands over to its successor when it is
 * delivered or abandoned. Three statements at most, whatever the number of calls.
 */
export async function fanOutEvent(tx: Db, rows: readonly CallRow[], callEventType: string, now: Date): Promise<CreatedDelivery[]> {
  const type = eventForCallEvent(callEventType);
  if (!type || rows.length === 0) return [];
  // KEY SHARE: an endpoint being disabled or deleted meanwhile (which takes FOR UPDATE) either
  // commits first, and is skipped here, or waits for this event, and then abandons its delivery
  // with the rest. Ordinary writes to the endpoint (its health) take weaker locks and never wait.
  const endpoints = await tx
    .select({ id: webhookEndpoints.id, orgId: webhookEndpoints.orgId, url: webhookEndpoints.url, events: webhookEndpoints.events })
    .from(webhookEndpoints)
    .where(and(inArray(webhookEndpoints.orgId, [...new Set(rows.map((call) => call.orgId))]), eq(webhookEndpoints.enabled, true)))
    .for('key share');
  const wanted = endpoints.filter((endpoint) => endpoint.events.length === 0 || endpoint.events.includes(type));
  const values = rows.flatMap((call) => {
    const targets: { endpointId: string | null; url: string }[] = wanted.filter((endpoint) => endpoint.orgId === call.orgId).map((endpoint) => ({ endpointId: endpoint.id, url: endpoint.url }));
    if (call.webhookUrl) targets.push({ endpointId: null, url: call.webhookUrl });
    if (targets.length === 0) return [];
    const payload: Record<string, unknown> = { ...webhookPayload(type, callView(call), now) };
    return targets.map((target) => ({ id: newId('msg'), orgId: call.orgId, endpointId: target.endpointId, callId: call.id, eventType: type, payload, targetUrl: target.url, nextAttemptAt: now }));
  });
  if (values.length === 0) return [];
  const created = await tx.insert(webhookDeliveries).values(values).returning({ id: webhookDeliveries.id, callId: webhookDeliveries.callId, endpointId: webhookDeliveries.endpointId });

  // Every event of a call runs with the call's row locked (its transition or update, or the
  // claim that leased it), so no other transaction adds deliveries for these calls meanwhile:
  // "earlier" is everything else.
  const waiting = await tx
    .select({ callId: webhookDeliveries.callId, endpointId: webhookDeliveries.endpointId })
    .from(webhookDeliveries)
    .where(
      and(
        inArray(webhookDeliveries.callId, [...new Set(created.map((row) => row.callId!))]),
        notInArray(webhookDeliveries.status, [...finishedStatuses]),
        notInArray(webhookDeliveries.id, created.map((row) => row.id)),
      ),
    );
  const busyTargets = new Set(waiting.map((row) => `${row.callId} ${row.endpointId ?? ''}`));
  return created.filter((row) => !busyTargets.has(`${row.callId} ${row.endpointId ?? ''}`)).map((row) => ({ id: row.id, endpointId: row.endpointId }));
}

/**
 * Writes the deliveries of an organisation event (campaign.started, …) to every enabled endpoint
 * that wants it; they belong to no call, so each goes out at once.
 */
export async function fanOutOrgEvent(tx: Db, event: OrgEvent): Promise<CreatedDelivery[]> {
  if (!isWebhookEventType(event.type)) return [];
  const type = event.type;
  const endpoints = await tx
    .select({ id: webhookEndpoints.id, url: webhookEndpoints.url, events: webhookEndpoints.events })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.orgId, event.orgId), eq(webhookEndpoints.enabled, true)))
    .for('key share');
  const targets = endpoints.filter((endpoint) => endpoint.events.length === 0 || endpoint.events.includes(type));
  if (targets.length === 0) return [];
  const payload: Record<string, unknown> = { ...webhookPayload(type, event.data, event.at) };
  return tx
    .insert(webhookDeliveries)
    .values(targets.map((target) => ({ id: newId('msg'), orgId: event.orgId, endpointId: target.id, callId: null, eventType: type, payload, targetUrl: target.url, nextAttemptAt: event.at })))
    .returning({ id: webhookDeliveries.id, endpointId: webhookDeliveries.endpointId });
}
