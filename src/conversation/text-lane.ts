/**
 * The text lane: hosts a conversation on a text line (the simulated network's default lane),
 * where words travel as text at a speaking pace. An answering machine gets the agent's
 * `voicemail` setting (the configured message, or a hang-up) once its beep has sounded.
 */
import { renderTemplate } from '../brain/template.js';
import type { ConversationEngine } from '../brain/types.js';
import type { TextLine } from '../telephony/types.js';
import type { CallControl, ConversationHost, HostedCall } from './host.js';
import { endOf, type CallEnd } from './outcome.js';
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
      onDtmf: (digits) => control.recordEvent('contact.dtmf', { digit: digits }),
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

  /** An answering machine: its greeting is heard out, then the agent's `voicemail` setting applies. */
  private async machine(call: HostedCall, line: TextLine, control: CallControl, hooks: ConversationHooks): Promise<CallEnd> {
    const { spec } = call.agent;
    const voicemail = spec.settings.voicemail ?? { action: 'hang_up' };
    const heard = (async () => {
      for await (const event of line.events) {
        if (event.type === 'contact_said') await control.recordTurn({ role: 'contact', text: event.text, offsetMs: Math.max(0, hooks.now() - (event.durationMs ?? 0)) });
      }
    })();
    await Promise.race([control.answer.beepHeard, heard]);
    if (control.signal.aborted) return { reason: 'canceled' };
    const leave = voicemail.action === 'leave_message' && voicemail.message;
    if (leave) {
      const message = renderTemplate(voicemail.message!, call.variables, spec.variableDefaults);
      const offsetMs = hooks.now();
      await line.say(message, control.signal);
      await control.recordTurn({ role: 'agent', text: message, offsetMs });
    }
    const end = endOf({ kind: 'machine', messageLeft: Boolean(leave) }, 'text')!;
    control.endAs(end);
    line.hangUp();
    return end;
  }
}
