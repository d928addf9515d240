/**
 * Runs one conversation over a text line: the agent speaks when its engine says so, the
 * contact's words become turns, timers prompt a silent contact, and actions end the call.
 */
import { callEndOf } from '../../brain/call-end.js';
import type { AgentAction, BrainEvent, Conversation, ConversationTurn, Cue } from '../../brain/types.js';
import type { TextLine } from '../../telephony/types.js';

export interface ConversationTimers {
  /** Re-prompt after this much silence from the contact (0: never). */
  readonly silenceRepromptMs: number;
  /** End the call after this much silence (0: never). */
  readonly inactivityTimeoutMs: number;
  /** Ask the agent to wrap up at this offset from the answer (0: never). */
  readonly wrapUpAtMs: number;
  /** Pause before the agent answers. */
  readonly responseDelayMs: number;
}

export interface ConversationHooks {
  /** Milliseconds since the call was answered, in the line's time. */
  now(): number;
  /** Waits, in the line's time. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  onTurn(turn: ConversationTurn): Promise<void>;
  onBrainEvent(event: BrainEvent): Promise<void>;
  onAction(action: AgentAction): Promise<void>;
  /** Called right before the agent's side hangs up, so the end reason is known before the carrier reports the end. */
  onEnding(end: ConversationEnd): void;
}

export interface ConversationEnd {
  readonly endReason: string;
  /** The terminal status the agent's side knows (a model that failed); otherwise the carrier's report decides. */
  readonly status?: 'completed' | 'failed' | 'voicemail';
  /** The action that ended the call, if the agent ended it. */
  readonly action?: AgentAction;
}

export async function runTextConversation(
  line: TextLine,
  conversation: Conversation,
  timers: ConversationTimers,
  hooks: ConversationHooks,
  signal: AbortSignal,
  initialCue: Cue | null = conversation.firstSpeaker === 'agent' ? { type: 'start' } : null,
): Promise<ConversationEnd> {
  const turns: ConversationTurn[] = [];
  /** Last time anyone spoke: the silence re-prompt counts from here. */
  let lastActivityMs = hooks.now();
  /** Last time the contact did anything: inactivity counts from here (re-prompts do not reset it). */
  let lastContactMs = hooks.now();
  let ended: ConversationEnd | undefined;
  let wrappedUp = false;
  /** Set while the agent says goodbye for a timer: whatever ends the call then, this is why. */
  let wrappingUp: 'max_duration' | 'inactivity' | undefined;

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
      turns.push(turn);
      await hooks.onTurn(turn);
    }
    lastActivityMs = hooks.now();
    for (const action of actions) {
      await hooks.onAction(action);
      const end = callEndOf(action, cue);
      if (!end) continue;
      if (action.type === 'leave_voicemail') {
        const offsetMs = hooks.now();
        await line.say(action.message, signal);
        const turn: ConversationTurn = { role: 'agent', text: action.message, offsetMs };
        turns.push(turn);
        await hooks.onTurn(turn);
      }
      hangUp({ endReason: end.reason, ...(end.status ? { status: end.status } : {}), action });
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
    if (next.done) return ended ?? { endReason: 'contact_hung_up' };
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
      case 'dtmf':
        await agentTurn({ type: 'dtmf', digits: event.digits });
        break;
      case 'hangup':
        return ended ?? { endReason: 'contact_hung_up' };
    }
  }
  return ended ?? { endReason: signal.aborted ? 'canceled' : 'contact_hung_up' };

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
    wrappingUp = reason;
    await agentTurn({ type: 'wrap_up', reason });
    if (!ended) hangUp({ endReason: reason });
  }

  function hangUp(end: ConversationEnd): void {
    ended = wrappingUp ? { ...end, endReason: wrappingUp } : end;
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
