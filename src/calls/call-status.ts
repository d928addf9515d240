/** The call's status machine: the only place that knows which transitions are legal. */

export const callStatuses = [
  'queued', 'dialing', 'ringing', 'in_progress', 'completed', 'busy', 'no_answer', 'failed', 'canceled', 'voicemail',
] as const;
export type CallStatus = (typeof callStatuses)[number];

export const terminalStatuses = ['completed', 'busy', 'no_answer', 'failed', 'canceled', 'voicemail'] as const;
export type TerminalStatus = (typeof terminalStatuses)[number];

/** Statuses that hold one of the organisation's concurrent-call slots. */
export const activeStatuses = ['dialing', 'ringing', 'in_progress'] as const satisfies readonly CallStatus[];

const terminalSet: ReadonlySet<CallStatus> = new Set(terminalStatuses);

const transitions: Readonly<Record<CallStatus, readonly CallStatus[]>> = {
  queued: ['dialing', 'canceled', 'failed'],
  dialing: ['ringing', 'in_progress', 'busy', 'no_answer', 'failed', 'canceled'],
  ringing: ['in_progress', 'busy', 'no_answer', 'failed', 'canceled', 'voicemail'],
  in_progress: ['completed', 'failed', 'canceled', 'voicemail'],
  completed: [],
  busy: [],
  no_answer: [],
  failed: [],
  canceled: [],
  voicemail: [],
};

export function isTerminal(status: CallStatus): status is TerminalStatus {
  return terminalSet.has(status);
}

export function canTransition(from: CallStatus, to: CallStatus): boolean {
  return transitions[from].includes(to);
}

/** The statuses from which `to` can be reached in one step (used as the guard of an atomic update). */
export function predecessorsOf(to: CallStatus): CallStatus[] {
  return callStatuses.filter((from) => transitions[from].includes(to));
}

/** Why calls end: carriers, agents and the service report these. */
export const endReasons = [
  'agent_ended', 'contact_hung_up', 'max_duration', 'inactivity', 'busy', 'no_answer', 'carrier_failed', 'dial_failed',
  'canceled', 'voicemail_detected', 'voicemail_message_left', 'transferred', 'transfer_failed', 'worker_lost', 'llm_error', 'llm_not_configured',
  'provider_error', 'engine_error',
] as const;
export type EndReason = (typeof endReasons)[number] | (string & {});
