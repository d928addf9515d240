/** The conversation engine for flow agents: scripted questions, offline understanding, an optional model as helper. */
import { AppError, ProviderError, assertNever } from '../../shared/errors.js';
import type { LlmProvider } from '../../llm/types.js';
import { interpretWithLlm } from '../nlu/llm-assist.js';
import { keysToAnswer, understandAnswer, understandDtmf, type Understanding } from '../nlu/understand.js';
import type {
  BrainEvent,
  ConversationContext,
  ConversationEngine,
  ConversationTurn,
  Conversation,
  Cue,
} from '../types.js';
import { FlowRun, type FlowOutput } from './runner.js';
import type { Flow } from './schema.js';
import { parseFlow } from './validate.js';

export interface FlowEngineDeps {
  /**
   * A model to consult when the offline parsers cannot tell what an answer means, and to distil
   * free-text answers. Optional: flows run fully without one.
   */
  readonly llm?: { readonly provider: LlmProvider; readonly model: string };
  /** "Today" for relative dates; default the system clock. */
  readonly clock?: () => Date;
}

/**
 * Creates the engine for agents whose `settings.kind` is `flow`. `open` throws
 * AppError(VALIDATION_FAILED) with the flow's problems as details if `settings.flow` is not valid.
 * The call's timezone for dates is the `timezone` variable, else `settings.timezone`.
 */
export function createFlowEngine(deps: FlowEngineDeps = {}): ConversationEngine {
  return {
    open(context: ConversationContext): Conversation {
      const parsed = parseFlow(context.agent.settings.flow);
      if (!parsed.ok) {
        throw new AppError('VALIDATION_FAILED', 'The agent\'s flow is not valid', { details: { problems: parsed.problems } });
      }
      return new FlowConversation(parsed.flow, context, deps);
    },
  };
}

class FlowConversation implements Conversation {
  readonly firstSpeaker: Conversation['firstSpeaker'];
  private readonly run: FlowRun;
  private readonly timezone: string | undefined;

  constructor(
    flow: Flow,
    context: ConversationContext,
    private readonly deps: FlowEngineDeps,
  ) {
    this.firstSpeaker = context.agent.firstSpeaker;
    this.run = new FlowRun(flow, context.variables, context.agent.variableDefaults);
    const timezone = context.variables.timezone ?? context.agent.settings.timezone;
    this.timezone = typeof timezone === 'string' && timezone ? timezone : undefined;
  }

  keysExpected(): number | undefined {
    const ask = this.run.pendingAsk;
    if (!ask) return undefined;
    return ask.num_digits ?? keysToAnswer(ask.expect, ask.choices ? { choices: ask.choices } : {});
  }

  async *respond(turns: readonly ConversationTurn[], cue: Cue, signal: AbortSignal): AsyncIterable<BrainEvent> {
    const output = await this.step(turns, cue, signal);
    if (!output || signal.aborted) return;
    for (const event of toEvents(output)) {
      if (signal.aborted) return;
      yield event;
    }
  }

  /** Decides the whole turn before anything is said, so an interruption never leaves the flow half-moved. */
  private async step(turns: readonly ConversationTurn[], cue: Cue, signal: AbortSignal): Promise<FlowOutput | null> {
    if (cue.type === 'transfer_failed') return this.run.transferFailed();
    if (this.run.status === 'finished') return null;
    switch (cue.type) {
      case 'start':
        return this.run.status === 'not_started' ? this.run.start() : this.run.repeatQuestion();
      case 'silence':
        return this.run.status === 'not_started' ? this.run.start() : this.run.repeatQuestion();
      case 'contact_turn': {
        if (this.run.status === 'not_started') return this.run.start();
        const said = [...turns].reverse().find((turn) => turn.role === 'contact')?.text ?? '';
        const understanding = await this.understand(said, signal);
        return understanding && !signal.aborted ? this.run.answer(understanding) : null;
      }
      case 'dtmf': {
        const ask = this.run.pendingAsk;
        if (!ask) return this.run.status === 'not_started' ? this.run.start() : null;
        return this.run.answer(understandDtmf(ask.expect, cue.digits, { ...(ask.choices ? { choices: ask.choices } : {}) }));
      }
      case 'wrap_up':
        return this.run.wrapUp(cue.reason);
      case 'voicemail':
        return this.run.voicemail();
      default:
        return assertNever(cue);
    }
  }

  /** Offline first; the model only when the offline reading fails, or to distil free text. */
  private async understand(said: string, signal: AbortSignal): Promise<Understanding | null> {
    const ask = this.run.pendingAsk;
    if (!ask) return null;
    const reference = (this.deps.clock ?? (() => new Date()))();
    const options = {
      reference,
      ...(this.timezone ? { timezone: this.timezone } : {}),
      ...(ask.choices ? { choices: ask.choices } : {}),
    };
    const offline = understandAnswer(ask.expect, said, options);
    const llm = this.deps.llm;
    if (!llm || !said.trim() || (offline.understood && ask.expect !== 'text')) return offline;
    try {
      const helped = await interpretWithLlm(
        llm,
        { kind: ask.expect, question: this.run.render(ask.text), answer: said, ...options },
        signal,
      );
      return helped.understood ? helped : offline;
    } catch (error) {
      if (signal.aborted) return null;
      // A failing model must not break the call: the offline reading stands and may re-prompt.
      if (error instanceof ProviderError) return offline;
      throw error;
    }
  }
}

/** One text event per sentence; pieces after the first start with a space so they concatenate cleanly. */
function toEvents(output: FlowOutput): BrainEvent[] {
  const events: BrainEvent[] = output.collected.map(({ name, value }) => ({ type: 'collected', name, value }));
  const sentences = output.say.flatMap((text) => text.trim().split(/(?<=[.!?])\s+/)).filter(Boolean);
  sentences.forEach((sentence, i) => events.push({ type: 'text', text: i === 0 ? sentence : ` ${sentence}` }));
  if (output.action) events.push({ type: 'action', action: output.action });
  return events;
}
