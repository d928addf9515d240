/** The text lane of an answered simulated call: the persona hears the agent and answers at a human pace. */
import { AsyncQueue } from '../../shared/async-queue.js';
import type { TextLine, TextLineEvent } from '../types.js';
import { keyingMs, speakingMs, type SimClock } from './pace.js';
import type { Persona } from './personas.js';

/** The agent's speaking pace on the simulated network. */
const agentWordsPerMinute = 165;
/** A person who hears nothing after answering says hello. */
const helloAfterSilenceMs = 1500;

export type SimCallee = 'person' | 'hangs_up_after_first_turn' | 'answering_machine';

export interface SimLineOptions {
  readonly persona: Persona;
  readonly callee: SimCallee;
  readonly clock: SimClock;
  /** The agent's side hung up. */
  readonly onAgentHangUp: () => void;
  /** The contact's side hung up. */
  readonly onContactHangUp: () => void;
  /** Whoever hung up, the line is over. */
  readonly machineGreeting?: string;
  readonly onBeep?: () => void;
}

export class SimTextLine implements TextLine {
  readonly mode = 'text' as const;
  private readonly queue = new AsyncQueue<TextLineEvent>();
  private readonly agentTurns: string[] = [];
  private cancelPending: (() => void) | undefined;
  private closed = false;
  private anyoneSpoke = false;
  private readonly abort = new AbortController();

  constructor(private readonly options: SimLineOptions) {
    if (options.callee === 'answering_machine') {
      this.speak(options.machineGreeting ?? '').then(() => options.onBeep?.()).catch(() => this.contactHangsUp());
    } else if (options.persona.definition.opening) {
      this.speak(options.persona.definition.opening).catch(() => this.contactHangsUp());
    } else {
      this.cancelPending = options.clock.setTimer(helloAfterSilenceMs, () => {
        if (!this.anyoneSpoke) this.speak('Hello?').catch(() => this.contactHangsUp());
      });
    }
  }

  get events(): AsyncIterable<TextLineEvent> {
    return this.queue;
  }

  async say(text: string, signal?: AbortSignal): Promise<{ heard: string; interrupted: boolean }> {
    if (this.closed) return { heard: '', interrupted: true };
    this.anyoneSpoke = true;
    this.cancelPending?.();
    await this.options.clock.sleep(speakingMs(text, agentWordsPerMinute), anySignal(signal, this.abort.signal));
    if (this.closed || signal?.aborted) return { heard: '', interrupted: true };
    this.agentFinishedSpeaking(text);
    return { heard: text, interrupted: false };
  }

  hangUp(): void {
    if (this.close()) this.options.onAgentHangUp();
    this.queue.end();
  }

  /** The carrier ended the call (time limit, cancel). */
  end(): void {
    if (this.close()) this.queue.push({ type: 'hangup' });
    this.queue.end();
  }

  private agentFinishedSpeaking(text: string): void {
    const { persona, callee, clock } = this.options;
    if (callee === 'answering_machine') return;
    this.cancelPending?.();
    this.agentTurns.push(text);
    this.cancelPending = clock.setTimer(persona.definition.response_delay_ms, () => {
      if (callee === 'hangs_up_after_first_turn') return this.contactHangsUp();
      // A persona that fails to answer hangs up, as a person on a bad line would.
      persona
        .reply(this.agentTurns, this.abort.signal)
        .then(async (reply) => {
          if (this.closed) return;
          if (reply !== null) {
            if ('text' in reply) await this.speak(reply.text);
            else await this.press(reply.keys);
            if (reply.thenHangUp) this.contactHangsUp();
            return;
          }
          if (persona.definition.after_replies === 'hang_up') this.contactHangsUp();
        })
        .catch(() => this.contactHangsUp());
    });
  }

  private async speak(text: string): Promise<void> {
    if (!text || this.closed) return;
    this.anyoneSpoke = true;
    const durationMs = speakingMs(text, this.options.persona.definition.words_per_minute);
    await this.options.clock.sleep(durationMs, this.abort.signal);
    if (this.closed) return;
    this.queue.push({ type: 'contact_said', text, durationMs });
  }

  /** Keys pressed at a person's pace; a text line carries the whole entry as one event. */
  private async press(keys: string): Promise<void> {
    if (this.closed) return;
    this.anyoneSpoke = true;
    await this.options.clock.sleep(keyingMs(keys), this.abort.signal);
    if (this.closed) return;
    this.queue.push({ type: 'dtmf', digits: keys });
  }

  private contactHangsUp(): void {
    if (!this.close()) return;
    this.queue.push({ type: 'hangup' });
    this.queue.end();
    this.options.onContactHangUp();
  }

  /** True the first time only. */
  private close(): boolean {
    if (this.closed) return false;
    this.closed = true;
    this.cancelPending?.();
    this.abort.abort();
    return true;
  }
}

function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((signal): signal is AbortSignal => signal !== undefined));
}
