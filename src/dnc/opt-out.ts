/**
 * A callee who asks not to be called again goes on the do-not-call list: when the call's
 * outcome says so (`opt_out: true` or `do_not_call: true`, from the agent's outcome schema) or
 * when the agent used the built-in opt_out tool during the call (an `agent.action` of type
 * opt_out, recorded as the call's event). Both land in the transaction of the event itself.
 */
import type { CallEventHook } from '../calls/call-service.js';
import { addToDoNotCallIn } from './do-not-call-service.js';

export const optOutFields = ['opt_out', 'do_not_call'] as const;

export function optOutHook(): CallEventHook {
  return async (tx, call, eventType) => {
    if (eventType !== 'call.analyzed') return;
    const outcome = call.outcome ?? {};
    if (optOutFields.some((field) => outcome[field] === true)) await addToDoNotCallIn(tx, call.orgId, call.toNumber, 'the callee asked not to be called again', 'outcome');
  };
}
