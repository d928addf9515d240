/**
 * A callee who asks not to be called again goes on the do-not-call list, in the transaction of
 * the event that shows it: the call's end, when the agent used the built-in `opt_out` tool or a
 * flow set `opt_out` (or `do_not_call`) to true during the call; the call's analysis, when its
 * outcome has `opt_out: true` or `do_not_call: true`. Registered before the campaign progress
 * hook, so a campaign contact who opted out ends `do_not_call` and is never tried again.
 */
import { sql } from 'drizzle-orm';
import type { CallEventHook } from '../calls/call-service.js';
import { terminalStatuses } from '../calls/call-status.js';
import { callEvents } from '../store/schema.js';
import { addToDoNotCallIn } from './do-not-call-service.js';

export const optOutFields = ['opt_out', 'do_not_call'] as const;
const terminalEvents = new Set(terminalStatuses.map((status) => `call.${status}`));
const reason = 'the callee asked not to be called again';

export function optOutHook(): CallEventHook {
  return async (tx, rows, eventType) => {
    if (eventType === 'call.analyzed') {
      for (const call of rows) {
        const outcome = call.outcome ?? {};
        if (optOutFields.some((field) => outcome[field] === true)) await addToDoNotCallIn(tx, call.orgId, call.toNumber, reason, 'outcome');
      }
      return;
    }
    if (!terminalEvents.has(eventType)) return;
    for (const call of rows) {
      if (call.answeredAt === null) continue;
      const asked = await tx
        .select({ id: callEvents.id })
        .from(callEvents)
        .where(sql`${callEvents.callId} = ${call.id} and (
          (${callEvents.type} = 'agent.tool_call' and ${callEvents.data}->>'name' = 'opt_out') or
          (${callEvents.type} = 'agent.collected' and ${callEvents.data}->>'name' in ('opt_out', 'do_not_call') and ${callEvents.data}->>'value' = 'true'))`)
        .limit(1);
      if (asked.length > 0) await addToDoNotCallIn(tx, call.orgId, call.toNumber, reason, 'opt_out');
    }
  };
}
