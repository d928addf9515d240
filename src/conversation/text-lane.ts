/**
 * The text lane: hosts a conversation on a text line (the simulated network's default lane),
 * where words travel as text at a speaking pace. An answering machine gets what `verdictPlan`
 * says (a hang-up at once, or a message once its beep has sounded).
 */
import { renderTemplate } from '../brain/template.js';
import type { ConversationEngine } from '../brain/types.js';
import type { TextLine } from '../telephony/types.js';
import type { CallControl, ConversationHost, HostedCall } from './host.js';
import { endOf, type CallEnd } from './outcome.js';
import { verdictPlan } from './voicemail.js';
import { conversationTimers } from './timers.js';
import { runTextConversation, type ConversationHooks } from './text-conversation.js';

export class TextLane implements ConversationHost<TextLine> {
  constructor(private readonly engine: ConversationEngine) {}

  async attach(call: HostedCall, line: TextLine, control: CallControl): Promise<CallEnd> {
    const { clock } = call;
    const answeredAt = Date.now();
    const hooks: ConversationHooks = {
      now: () => clock.elapsedMs(answeredAt),
      sleep: (ms, signal) => clock.sleep(ms, signal),
      onTurn: (turn) => control.recordTurn(turn),
      onBrainEvent: (event) => control.recordBrainEvent(event),
      onAction: async (action) => {
        await control.recordBrainEvent({ type: 'action', action });
        // A text line carries no audio: the keys are on record, no tones are played.
        if (action.type === 'send_dtmf') await control.recordEvent('agent.dtmf_sent', { digits: action.digits, lane: 'text' });
      },
      onEnding: (end) => control.endAs(end),
      // The same events as the voice lane's: one per key, then the entry (delivered whole here).
      onDtmf: async (keys) => {
        for (const digit of keys) await control.recordEvent('contact.dtmf', { digit });
        await control.recordEvent('contact.keypad_entry', { keys: keys.length, ended_by: 'line' });
      },
      ...(control.transfer ? { transfer: control.transfer } : {}),
    };
    const { spec } = call.agent;
    if (control.answer.machine()) return this.machine(call, line, control, hooks);
    const conversation = this.engine.open({
      agent: spec, variables: call.variables, channel: call.simulated ? 'sim' : 'voice', callId: call.id,
      ...(call.transferNumbers ? { transferNumbers: call.transferNumbers } : {}),
    });
    const timers = conversationTimers(spec.settings.timers ?? {}, call.maxDurationS);
    return runTextConversation(line, conversation, timers, hooks, control.signal);
  }

  /**
   * An answering machine: `verdictPlan` says what that means (the same rule as the voice lane's).
   * Hang up at once, or hear the greeting out to its beep and leave the message: the configured
   * one, or the agent's own (a flow's voicemail text), which may also decline and hang up.
   */
  private async machine(call: HostedCall, line: TextLine, control: CallControl, hooks: ConversationHooks): Promise<CallEnd> {
    const { spec } = call.agent;
    const plan = verdictPlan('machine', spec.settings.voicemail, (template) => renderTemplate(template, call.variables, spec.variableDefaults));
    if (plan.kind !== 'leave_message') return this.hangUp(line, control, plan.kind === 'hang_up' ? plan.end : endOf({ kind: 'machine', messageLeft: false }, 'text')!);
    const heard = (async () => {
      for await (const event of line.events) {
        if (event.type === 'contact_said') await control.recordTurn({ role: 'contact', text: event.text, offsetMs: Math.max(0, hooks.now() - (event.durationMs ?? 0)) });
      }
    })();
    await Promise.race([control.answer.messageCue, heard]);
    if (control.signal.aborted) return { reason: 'canceled' };
    const message = plan.message ?? (await this.agentsMessage(call, control.signal));
    if (!message) return this.hangUp(line, control, endOf({ kind: 'machine', messageLeft: false }, 'text')!);
    const offsetMs = hooks.now();
    await line.say(message, control.signal);
    await control.recordTurn({ role: 'agent', text: message, offsetMs });
    return this.hangUp(line, control, plan.end);
  }

  /** The message the agent's own engine leaves (a flow's `voicemail` text), or null when it hangs up instead. */
  private async agentsMessage(call: HostedCall, signal: AbortSignal): Promise<string | null> {
    const conversation = this.engine.open({ agent: call.agent.spec, variables: call.variables, channel: call.simulated ? 'sim' : 'voice', callId: call.id });
    let message: string | null = null;
    for await (const event of conversation.respond([], { type: 'voicemail' }, signal)) {
      if (event.type === 'action' && event.action.type === 'leave_voicemail') message = event.action.message;
    }
    return message?.trim() ? message : null;
  }

  private hangUp(line: TextLine, control: CallControl, end: CallEnd): CallEnd {
    control.endAs(end);
    line.hangUp();
    return end;
  }
}
