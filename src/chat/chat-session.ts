/** A text conversation with an agent: the same brain as a call, with no call and no carrier. */
import { missingVariables } from '../brain/template.js';
import type { AgentAction, AgentSpec, ConversationEngine, ConversationTurn, Cue, Variables } from '../brain/types.js';
import { AppError } from '../shared/errors.js';
import { endOf, type CallEnd } from '../conversation/outcome.js';

export type ChatEvent =
  | { readonly type: 'agent_delta'; readonly text: string }
  | { readonly type: 'agent_message'; readonly text: string }
  | { readonly type: 'tool_call'; readonly id: string; readonly name: string; readonly arguments: unknown }
  | { readonly type: 'tool_result'; readonly id: string; readonly name: string; readonly ok: boolean; readonly result: unknown }
  | { readonly type: 'collected'; readonly name: string; readonly value: unknown }
  | { readonly type: 'model_error'; readonly provider: string | null; readonly category: string; readonly status_code: number | null; readonly message: string }
  | { readonly type: 'action'; readonly action: AgentAction }
  | { readonly type: 'ended'; readonly reason: string };

export class ChatSession {
  private readonly turns: ConversationTurn[] = [];
  private readonly startedAtMs = Date.now();
  private ended = false;
  private readonly conversation;
  private abort = new AbortController();

  /** Throws VARIABLES_MISSING when the agent's texts need variables the chat does not give. */
  constructor(engine: ConversationEngine, private readonly agent: AgentSpec, variables: Variables, requiredVariables: readonly string[] = []) {
    const missing = missingVariables([agent.prompt, agent.greeting, ...requiredVariables.map((name) => `{{${name}}}`)], variables, agent.variableDefaults);
    if (missing.length > 0) throw new AppError('VARIABLES_MISSING', `The agent needs values for: ${missing.join(', ')}`, { details: { missing } });
    this.conversation = engine.open({ agent, variables, channel: 'chat' });
  }

  get isEnded(): boolean {
    return this.ended;
  }

  get transcript(): readonly ConversationTurn[] {
    return this.turns;
  }

  /** The agent's opening, when it speaks first. */
  open(): AsyncIterable<ChatEvent> {
    return this.conversation.firstSpeaker === 'agent' ? this.respond({ type: 'start' }) : empty();
  }

  /** The person says something; the agent answers. */
  say(text: string): AsyncIterable<ChatEvent> {
    if (this.ended) return empty();
    this.turns.push({ role: 'contact', text, offsetMs: Date.now() - this.startedAtMs });
    return this.respond({ type: 'contact_turn' });
  }

  /** Keys pressed (a flow's "press 1 for yes"). */
  press(digits: string): AsyncIterable<ChatEvent> {
    if (this.ended) return empty();
    // On the transcript as a keyed turn, as on a call: the model still sees it turns later.
    this.turns.push({ role: 'contact', text: digits, offsetMs: Date.now() - this.startedAtMs, input: 'keypad' });
    return this.respond({ type: 'dtmf', digits });
  }

  close(): void {
    this.ended = true;
    this.abort.abort();
  }

  private async *respond(cue: Cue): AsyncIterable<ChatEvent> {
    this.abort = new AbortController();
    const offsetMs = Date.now() - this.startedAtMs;
    let text = '';
    let endedBy: { readonly action: AgentAction; readonly end: CallEnd } | undefined;
    for await (const event of this.conversation.respond(this.turns, cue, this.abort.signal)) {
      switch (event.type) {
        case 'text':
          text += event.text;
          yield { type: 'agent_delta', text: event.text };
          break;
        case 'action':
          {
            const end = endOf({ kind: 'action', action: event.action, cue }, 'chat');
            if (end) endedBy = { action: event.action, end };
          }
          yield { type: 'action', action: event.action };
          break;
        default:
          yield event;
      }
    }
    const spoken = text.trim();
    if (spoken) {
      this.turns.push({ role: 'agent', text: spoken, offsetMs });
      yield { type: 'agent_message', text: spoken };
    }
    if (endedBy) {
      this.ended = true;
      // The chat tells the person the agent's own reason for hanging up.
      yield { type: 'ended', reason: endedBy.action.type === 'end_call' ? endedBy.action.reason : endedBy.end.reason };
    }
  }
}

async function* empty(): AsyncIterable<ChatEvent> {}
