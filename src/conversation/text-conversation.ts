/**
 * Runs one conversation over a text line: the agent speaks when its engine says so, the
 * contact's words become turns, timers prompt a silent contact, and actions end the call.
 */
import type { AgentAction, BrainEvent, Conversation, ConversationTurn, Cue, TransferFailure } from '../brain/types.js';
import type { TextLine } from '../telephony/types.js';
import { endOf, type CallEnd } from './outcome.js';
import type { ConversationTimers } from './timers.js';

export interface ConversationHooks {
  /** Milliseconds since the call was answered, in the line's time. */
  now(): number;
  /** Waits, in the line's time. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  onTurn(turn: ConversationTurn): Promise<void>;
  onBrainEvent(event: BrainEvent): Promise<void>;
  onAction(action: AgentAction): Promise<void>;
  /** Called right before the agent's side hangs up, so the end reason is known before the carrier reports the end. */
  onEnding(end: CallEnd): void;
  /** Runs a transfer; connected means the callee is handed over and the agent's part is done. */
  transfer?(action: Extract<AgentAction, { type: 'transfer_call' }>, turns: readonly ConversationTurn[]): Promise<
    { readonly connected: true } | { readonly connected: false; readonly outcome: TransferFailure }
  >;
  /** The contact pressed keys. */
  onDtmf?(digits: string): Promise<void>;
}

export async function runTextConversation(
  line: TextLine,
  conversation: Conversation,
  timers: ConversationTimers,
  hooks: ConversationHooks,
  signal: AbortSignal,
  initialCue: Cue | null = conversation.firstSpeaker === 'agent' ? { type: 'start' } : null,
): Promise<CallEnd> {
  const turns: ConversationTurn[] = [];
  const hungUp = endOf({ kind: 'contact_hung_up' }, 'text')!;
  /** Last time anyone spoke: the silence re-prompt counts from here. */
  let lastActivityMs = hooks.now();
  /** Last time the contact did anything: inactivity counts from here (re-prompts do not reset it). */
  let lastContactMs = hooks.now();
  let ended: CallEnd | undefined;
  let wrappedUp = false;

  async function agentTurn(cue: Cue): Promise<void> {
    if (signal.aborted || ended) return;
    if (cue.type !== 'start' && timers.responseDelayMs > 0) await hooks.sleep(timers.responseDelayMs, signal);
    let text = '';
    const actions: AgentAction[] = [];
    for await (const event of conversation.respond(turns, cue, signal)) {
      if (event.type === 'text') text += event.text;
      else if (event.type === 'action') actions.push(event.action);
      else await hooks.onBrainEvent(event);
    }
    const spoken = text.trim();
    if (spoken) {
      const offsetMs = hooks.now();
      const result = await line.say(spoken, signal);
      const turn: ConversationTurn = { role: 'agent', text: result.interrupted ? result.heard : spoken, offsetMs, ...(result.interrupted ? { interrupted: true } : {}) };
      // Cut before a word was said (the callee hung up, the call's time ran out): nothing to keep.
      if (turn.text.trim()) {
        turns.push(turn);
        await hooks.onTurn(turn);
      }
    }
    lastActivityMs = hooks.now();
    for (const action of actions) {
      await hooks.onAction(action);
      if (action.type === 'transfer_call') {
        const result = hooks.transfer ? await hooks.transfer(action, turns) : ({ connected: false, outcome: 'refused' } as const);
        if (result.connected) {
          // The carrier has the callee now: nothing to hang up.
          ended = { reason: 'transferred', status: 'completed' };
          hooks.onEnding(ended);
          return;
        }
        // Not connected: the agent is still with the callee and says so.
        await agentTurn({ type: 'transfer_failed', to: action.to, outcome: result.outcome });
        return;
      }
      const end = endOf({ kind: 'action', action, cue }, 'text');
      if (!end) continue;
      if (action.type === 'leave_voicemail') {
        const offsetMs = hooks.now();
        await line.say(action.message, signal);
        const turn: ConversationTurn = { role: 'agent', text: action.message, offsetMs };
        turns.push(turn);
        await hooks.onTurn(turn);
      }
      hangUp(end);
      return;
    }
  }

  if (initialCue) await agentTurn(initialCue);
  const iterator = line.events[Symbol.asyncIterator]();
  let pending = iterator.next();
  while (!ended && !signal.aborted) {
    const timeout = nextTimerMs();
    const next = await (timeout === null ? pending : Promise.race([pending, hooks.sleep(timeout, signal).then(() => 'timer' as const)]));
    if (signal.aborted) break;
    if (next === 'timer') {
      await onTimer();
      continue;
    }
    pending = iterator.next();
    if (next.done) return ended ?? hungUp;
    const event = next.value;
    lastActivityMs = hooks.now();
    lastContactMs = lastActivityMs;
    switch (event.type) {
      case 'contact_said': {
        const turn: ConversationTurn = { role: 'contact', text: event.text, offsetMs: Math.max(0, hooks.now() - (event.durationMs ?? 0)) };
        turns.push(turn);
        await hooks.onTurn(turn);
        await agentTurn({ type: 'contact_turn' });
        break;
      }
      case 'dtmf': {
        // A text line carries a whole entry per event; like the voice lane, it is the contact's turn
        // (marked as keyed), so later turns and the analysis still know what was pressed.
        await hooks.onDtmf?.(event.digits);
        const turn: ConversationTurn = { role: 'contact', text: event.digits, offsetMs: hooks.now(), input: 'keypad' };
        turns.push(turn);
        await hooks.onTurn(turn);
        await agentTurn({ type: 'dtmf', digits: event.digits });
        break;
      }
      case 'hangup':
        return ended ?? hungUp;
    }
  }
  return ended ?? (signal.aborted ? { reason: 'canceled' } : hungUp);

  /** Milliseconds until the next timer is due, or null when none is armed. */
  function nextTimerMs(): number | null {
    const now = hooks.now();
    const due: number[] = [];
    if (timers.wrapUpAtMs > 0 && !wrappedUp) due.push(timers.wrapUpAtMs - now);
    if (timers.silenceRepromptMs > 0) due.push(lastActivityMs + timers.silenceRepromptMs - now);
    if (timers.inactivityTimeoutMs > 0) due.push(lastContactMs + timers.inactivityTimeoutMs - now);
    return due.length === 0 ? null : Math.max(0, Math.min(...due));
  }

  /** The agent says goodbye (its engine words it); the call ends for `reason` whatever the engine adds. */
  async function finishWith(reason: 'max_duration' | 'inactivity'): Promise<void> {
    await agentTurn({ type: 'wrap_up', reason });
    if (!ended) hangUp(endOf({ kind: 'wrap_up', reason }, 'text')!);
  }

  function hangUp(end: CallEnd): void {
    ended = end;
    hooks.onEnding(ended);
    line.hangUp();
  }

  async function onTimer(): Promise<void> {
    const now = hooks.now();
    if (timers.wrapUpAtMs > 0 && !wrappedUp && now >= timers.wrapUpAtMs) {
      wrappedUp = true;
      await finishWith('max_duration');
      return;
    }
    const silentForMs = now - lastActivityMs;
    if (timers.inactivityTimeoutMs > 0 && now - lastContactMs >= timers.inactivityTimeoutMs) {
      await finishWith('inactivity');
      return;
    }
    if (timers.silenceRepromptMs > 0 && silentForMs >= timers.silenceRepromptMs) {
      await agentTurn({ type: 'silence', silentForMs });
    }
  }
}
