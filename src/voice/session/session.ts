/**
 * One voice session per live call: inbound μ-law frames go to the VAD and the STT, the STT's
 * endpoints become the callee's turns, the conversation engine answers, its sentences are
 * spoken as they complete and played out in 20 ms frames with marks. The callee can cut the
 * agent off (barge-in); timers re-prompt and wrap up; a provider that fails for good gets an
 * apology and a polite hang-up. `prepare()` opens the STT and TTS and synthesises the greeting
 * while the phone rings, so the agent speaks the moment the line is up.
 */
import type { AgentAction, Conversation, Cue } from '../../brain/types.js';
import { endOf } from '../../conversation/outcome.js';
import type { VerdictPlan } from '../../conversation/voicemail.js';
import type { ProviderError } from '../../shared/errors.js';
import type { AudioLine } from '../../media/audio-line.js';
import type { AudioFrame } from '../../media/frames.js';
import type { AgentTurnResult } from './agent-turn.js';
import { AgentVoice, fixed } from './agent-voice.js';
import { BargeInPolicy } from './barge-in.js';
import { TurnTimer } from './latency.js';
import { KeypadEntry } from './keypad-entry.js';
import { ContactListener, type Utterance } from './listener.js';
import { noVoiceMetrics, type VoiceMetrics } from './metrics.js';
import { apologyText } from './phrases.js';
import { SessionRecords } from './records.js';
import { SessionTimers } from './timers.js';
import { defaultTuning, type AnswerInfo, type SessionEnd, type SessionTuning, type VoiceSessionOptions } from './types.js';

export { defaultTuning } from './types.js';
export type { AnswerInfo, SessionEnd, SessionTuning, VoiceSessionHooks, VoiceSessionOptions } from './types.js';

type Input =
  | { readonly kind: 'contact'; readonly utterance: Utterance; readonly timer: TurnTimer }
  | { readonly kind: 'cue'; readonly cue: Cue }
  /** A whole keypad entry; `at` is when its first key was pressed. */
  | { readonly kind: 'keys'; readonly keys: string; readonly at: number }
  /** A provider failed for good: apologise (on the offline voice if it was the TTS) and hang up. */
  | { readonly kind: 'apology'; readonly reason: 'stt_failed' | 'tts_failed' }
  /** A machine's greeting is over: leave the message the plan says. */
  | { readonly kind: 'message'; readonly plan: Extract<VerdictPlan, { kind: 'leave_message' }> };

/** Without a plan from the host (a session built on its own), a machine gets the agent's own message: its engine answers the voicemail cue. */
const agentsOwnMessage: VerdictPlan = { kind: 'leave_message', message: null, end: endOf({ kind: 'machine', messageLeft: true }, 'voice')! };

export class VoiceSession {
  private readonly voice: AgentVoice;
  private readonly policy: BargeInPolicy;
  private readonly timers: SessionTimers;
  private readonly keypad: KeypadEntry;
  private readonly metrics: VoiceMetrics;
  private readonly tuning: SessionTuning;
  private readonly controller = new AbortController();
  private listener: ContactListener | undefined;
  private line: AudioLine | undefined;
  private running: Promise<SessionEnd> | undefined;
  private ready!: (at: number) => void;
  private readonly lineReady = new Promise<number>((resolve) => (this.ready = resolve));
  private readonly records: SessionRecords;
  private inputs: Input[] = [];
  private loop: Promise<void> | undefined;
  private ended: SessionEnd | undefined;
  private closed = false;
  private prepared = false;
  private apologising = false;
  private machine = false;
  /** Parley's detector is deciding who answered: the greeting waits, the callee's words are only recorded. */
  private holding = false;
  /** The agent's audio reaches the line (not while the greeting is held, nor to a machine before its beep). */
  private released = false;
  private answer: AnswerInfo | undefined;
  /** The callee's utterance in progress: did it start over the agent, did it cut the agent off. */
  private contact: { overAgent: boolean; bargedIn: boolean } | undefined;

  constructor(private readonly options: VoiceSessionOptions) {
    this.tuning = { ...defaultTuning, ...options.tuning };
    this.metrics = options.metrics ?? noVoiceMetrics;
    this.records = new SessionRecords(options.hooks, this.metrics);
    this.policy = new BargeInPolicy(options.settings.interruption);
    this.timers = new SessionTimers(options.clock, options.timers, (cue) => this.push({ kind: 'cue', cue }));
    this.keypad = new KeypadEntry({
      clock: options.clock,
      interDigitMs: this.tuning.interDigitMs,
      keysExpected: () => options.conversation.keysExpected?.(),
      started: () => this.onKeypadStart(),
      complete: (keys, at, end) => {
        this.records.event('contact.keypad_entry', { keys: keys.length, ended_by: end });
        this.push({ kind: 'keys', keys, at });
      },
    });
    this.voice = new AgentVoice(options, {
      tuning: this.tuning, metrics: this.metrics, records: this.records, lineReady: this.lineReady, signal: this.controller.signal,
      onTtsFailure: (error) => this.providerFailed('tts', error),
      onChange: () => this.updateBusy(),
    });
  }

  /** Opens the STT and TTS and starts the greeting; safe to call more than once. */
  prepare(): void {
    if (this.prepared || this.closed) return;
    this.prepared = true;
    const { settings, clock } = this.options;
    const stream = this.options.stt.openStream(
      {
        language: settings.stt.language ?? settings.language,
        ...(settings.stt.model ? { model: settings.stt.model } : {}),
        ...(settings.stt.endpointing_ms ? { endpointingMs: settings.stt.endpointing_ms } : {}),
      },
      this.controller.signal,
    );
    this.listener = new ContactListener(stream, clock, settings.interruption.vad_threshold, {
      speechStart: () => this.onSpeechStart(),
      speechEnd: () => {
        this.timers.activity(true);
        this.updateBusy();
      },
      words: (text) => {
        this.answer?.hear(text);
        this.considerBargeIn();
      },
      utterance: (utterance) => this.onUtterance(utterance),
      failed: (error) => this.providerFailed('stt', error),
    });
    this.voice.use(this.options.tts);
    if (this.options.conversation.firstSpeaker === 'agent') this.push({ kind: 'cue', cue: { type: 'start' } });
  }

  /**
   * Runs the conversation on the answered line until either side hangs up. Who answered and the
   * call's end signal come from the call runtime (a cancel hangs up).
   */
  run(line: AudioLine, answer?: AnswerInfo, signal?: AbortSignal): Promise<SessionEnd> {
    if (this.running) return this.running;
    this.follow(answer, signal);
    this.running = this.converse(line);
    return this.running;
  }

  private follow(answer?: AnswerInfo, signal?: AbortSignal): void {
    this.answer = answer;
    if (signal) {
      const hangUp = () => this.line?.hangUp();
      if (signal.aborted) queueMicrotask(hangUp);
      else signal.addEventListener('abort', hangUp, { once: true });
    }
    if (!answer) return;
    // A machine known at answer is never greeted; one found later stops the agent at once.
    if (answer.machine()) this.onMachine(answer);
    else void answer.machineDetected.then(() => this.onMachine(answer));
    if (answer.held) {
      this.holding = true;
      void answer.held.then(() => {
        this.holding = false;
        if (!answer.machine()) this.release();
      });
    }
  }

  /** The agent's audio reaches the line from now on: the held greeting plays, the timers run. */
  private release(): void {
    if (this.released || this.closed || !this.line) return;
    this.released = true;
    // Speech still going (a person's long answer, heard to the detector's bound) began before the
    // greeting, which answers it: it does not cut the greeting as talking over it would.
    if (this.listener?.speaking) this.contact = { overAgent: false, bargedIn: true };
    this.voice.playout.attach(this.line);
    this.ready(this.options.clock.now());
    this.timers.start();
  }

  private async converse(line: AudioLine): Promise<SessionEnd> {
    this.prepare();
    this.metrics.sessionOpened();
    this.line = line;
    this.records.answered(this.options.clock.now());
    if (!this.holding && !this.machine) this.release();
    try {
      for await (const frame of line.frames) {
        if (frame.kind === 'audio') this.hear(frame);
        else if (frame.kind === 'mark') this.voice.playout.onMark(frame.name);
        else if (frame.kind === 'dtmf') this.onKey(frame.digit);
        else if (frame.kind === 'end') {
          if (frame.failed && !this.ended) {
            this.ended = endOf({ kind: 'line_failed' }, 'voice')!;
            this.options.hooks.endAs(this.ended);
          }
          break;
        }
      }
    } finally {
      await this.close();
      this.metrics.sessionClosed();
    }
    return this.ended ?? { reason: 'contact_hung_up' };
  }

  /** Ends a session that never ran (the call was not answered) or is over. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timers.stop();
    this.keypad.stop();
    this.inputs = [];
    this.controller.abort();
    await Promise.all([this.listener?.close(), this.voice.close()]);
    await this.loop;
    await this.records.flush();
  }

  private hear(frame: AudioFrame): void {
    this.listener?.push(frame);
    if (this.voice.turn && this.listener?.speaking) this.considerBargeIn();
  }

  /** One key: it joins the entry in progress, which reaches the brain whole (keypad-entry.ts). */
  private onKey(key: string): void {
    this.timers.activity(true);
    this.records.event('contact.dtmf', { digit: key });
    // A machine presses no keys; tones in its greeting are on record, nothing more.
    if (this.machine || this.closed || this.ended) return;
    this.keypad.press(key);
    this.updateBusy();
  }

  /**
   * The callee started keying: they have taken the turn. An agent still speaking stops, as it does
   * when talked over: a caller who knows the answer types ahead, as on any phone menu. What the
   * callee's voice does not cut, keys do not either (its interruption off, the recording disclosure,
   * the agent's own tones half sent); the entry is then answered after.
   */
  private onKeypadStart(): void {
    const turn = this.voice.turn;
    if (!turn?.audible || this.apologising || !this.policy.enabled || turn.pressingKeys || turn.shielded) return;
    const heard = turn.interrupt();
    this.metrics.interruption();
    this.records.event('agent.interrupted', { heard_chars: heard.length, by: 'keypad' });
  }

  private onSpeechStart(): void {
    if (!this.contact) this.contact = { overAgent: false, bargedIn: false };
    if (this.voice.turn) this.contact.overAgent = true;
    this.updateBusy();
  }

  private considerBargeIn(): void {
    const turn = this.voice.turn;
    const listener = this.listener;
    // A greeting held for the answering-machine verdict is not cut by what it is held to hear:
    // a person's long "Hello, this is Nina, who is this?" is what it will answer once released.
    if (!turn || !listener?.speaking || !this.contact || this.contact.bargedIn || this.apologising || this.machine || this.holding || turn.pressingKeys) return;
    // The disclosure is heard in full; speech still going when it ends can cut what follows.
    if (turn.shielded) return;
    if (this.policy.decide(listener.speechMs(), listener.words) !== 'interrupt') return;
    this.contact.bargedIn = true;
    const audible = turn.audible;
    const heard = turn.interrupt();
    this.metrics.interruption();
    if (audible) this.records.event('agent.interrupted', { heard_chars: heard.length, speech_ms: Math.round(listener.speechMs()) });
  }

  private onUtterance(utterance: Utterance): void {
    const contact = this.contact ?? { overAgent: false, bargedIn: false };
    this.contact = this.listener?.speaking ? { overAgent: Boolean(this.voice.turn), bargedIn: false } : undefined;
    this.timers.activity(true);
    // Words heard while the greeting is held are what it answers ("Hello?"); a machine's are only on record.
    if (this.machine || this.holding || this.closed) return this.recordContact(utterance);
    if (contact.overAgent && !contact.bargedIn && this.policy.isBackchannel(utterance.text)) {
      this.records.event('contact.backchannel', { words: utterance.text.split(/\s+/).length });
      return;
    }
    const timer = new TurnTimer(utterance.endedAt);
    timer.mark('endpoint', utterance.endpointAt);
    timer.mark('stt_final', utterance.finalAt);
    this.push({ kind: 'contact', utterance, timer });
  }

  private push(input: Input): void {
    if (this.closed || this.ended) return;
    this.inputs.push(input);
    if (this.loop) return;
    this.loop = (async () => {
      try {
        while (!this.ended && !this.closed && this.inputs.length > 0) await this.handle(this.inputs.shift()!);
      } catch {
        await this.end(endOf({ kind: 'engine_failed' }, 'voice')!);
      } finally {
        this.loop = undefined;
        this.updateBusy();
      }
    })();
    this.updateBusy();
  }

  private async handle(input: Input): Promise<void> {
    switch (input.kind) {
      case 'contact': {
        let timer = input.timer;
        this.recordContact(input.utterance);
        // Several utterances queued while the agent spoke are answered once.
        while (this.inputs[0]?.kind === 'contact') {
          const next = this.inputs.shift() as Extract<Input, { kind: 'contact' }>;
          this.recordContact(next.utterance);
          timer = next.timer;
        }
        await this.speak({ type: 'contact_turn' }, this.options.conversation, timer);
        return;
      }
      case 'keys':
        this.records.keys(input.keys, input.at);
        await this.speak({ type: 'dtmf', digits: input.keys }, this.options.conversation);
        return;
      case 'cue':
        await this.speak(input.cue, this.options.conversation);
        if (input.cue.type === 'wrap_up') await this.end(endOf({ kind: 'wrap_up', reason: input.cue.reason }, 'voice')!);
        return;
      case 'message': {
        this.release();
        const { plan } = input;
        if (plan.message) {
          await this.leaveMessage(plan.message);
          return this.end(plan.end);
        }
        // The agent's own message (a flow's voicemail text, a prompt agent's model), or its hang-up.
        await this.speak({ type: 'voicemail' }, this.options.conversation);
        return this.end(endOf({ kind: 'machine', messageLeft: false }, 'voice')!);
      }
      case 'apology':
        if (input.reason === 'tts_failed') this.voice.use(this.options.offlineTts);
        await this.speak({ type: 'contact_turn' }, fixed(apologyText(this.options.settings.language)));
        await this.end(endOf({ kind: 'provider_failed' }, 'voice')!);
        return;
    }
  }

  /** One agent turn, then what it asked for. */
  private async speak(cue: Cue, conversation: Conversation, timer?: TurnTimer): Promise<void> {
    if (this.closed || this.ended) return;
    const result = await this.voice.speak(cue, conversation, timer);
    this.timers.activity(false);
    // What the brain asked for is done even when the callee talked over the words that came with
    // it ("...transferring you." "Okay, thanks."): the brain has moved on (a flow past its node, a
    // model's history holding the tool's result), so dropping the action would leave a call
    // nobody drives. The text lane does the same. Not so for a turn meant for a person that a
    // machine verdict cut (a held greeting whose flow ends, "Hi Ana... Goodbye": the machine gets
    // its message instead), nor once the voice failed (the apology ends the call).
    if (this.closed || this.apologising || (this.machine && cue.type !== 'voicemail')) return;
    await this.act(result, cue);
  }

  private async act({ actions, keysLeft }: AgentTurnResult, cue: Cue): Promise<void> {
    for (const action of actions) {
      if (this.closed) return;
      this.records.brain({ type: 'action', action });
      if (action.type === 'transfer_call') {
        let stopHold: (() => void) | undefined;
        const result = this.options.hooks.transfer
          ? await this.options.hooks.transfer(action, [...this.records.turns], { dialling: () => (stopHold ??= this.voice.hold()) }).finally(() => stopHold?.())
          : ({ connected: false, outcome: 'refused' } as const);
        if (result.connected) {
          // The carrier has the callee now (the stream ends under us): no hang-up.
          this.ended = { reason: 'transferred', status: 'completed' };
          this.options.hooks.endAs(this.ended);
          this.timers.stop();
          await this.records.flush();
          return;
        }
        // Not connected: the agent is back with the callee and says so; the conversation goes on.
        return this.speak({ type: 'transfer_failed', to: action.to, outcome: result.outcome }, this.options.conversation);
      }
      if (action.type === 'send_dtmf') {
        // The turn played the keys among its words; keys it did not get to (the callee cut in
        // before them) are pressed now, and the agent goes on once they have played (or the line ended).
        const left = keysLeft.get(action);
        if (left) await this.voice.pressKeys(left)?.done;
        continue;
      }
      const end = endOf({ kind: 'action', action, cue }, 'voice');
      if (!end) continue;
      if (action.type === 'leave_voicemail') await this.leaveMessage(action.message);
      return this.end(end);
    }
  }

  /**
   * Leaves `text` on a machine. A beep that comes while it plays (the greeting had only paused,
   * and the machine records from its beep) cuts it, and it is said again, whole, after the beep.
   * Once: a second beep is the machine's, not its greeting's.
   */
  private async leaveMessage(text: string): Promise<void> {
    let again = false;
    void this.answer?.lateBeep?.then(() => {
      const turn = this.voice.turn;
      if (again || !turn?.audible) return;
      again = true;
      this.records.event('agent.interrupted', { heard_chars: turn.interrupt().length, by: 'beep' });
    });
    await this.speak({ type: 'voicemail' }, fixed(text));
    if (again) await this.speak({ type: 'voicemail' }, fixed(text));
  }

  private recordContact(utterance: Utterance): void {
    this.records.turn('contact', utterance.text, utterance.startedAt ?? utterance.endedAt);
  }

  private providerFailed(kind: 'stt' | 'tts', error: ProviderError | null): void {
    if (this.apologising || this.closed || this.ended) return;
    const provider = error?.provider ?? (kind === 'tts' ? this.voice.providerId : 'stt');
    this.metrics.providerFailure(kind, provider);
    this.records.event('voice.provider_failed', { kind, provider, category: error?.category ?? 'timeout' });
    this.apologising = true;
    this.inputs = [];
    this.voice.turn?.interrupt();
    if (kind === 'tts') this.voice.playout.clear();
    this.push({ kind: 'apology', reason: kind === 'stt' ? 'stt_failed' : 'tts_failed' });
  }

  private toMachine(): void {
    this.machine = true;
    this.inputs = [];
    this.voice.turn?.interrupt();
  }

  /** A machine answered: `machinePlan` (conversation/voicemail.ts) says whether to hang up now or leave a message after its greeting. */
  private onMachine(answer: AnswerInfo): void {
    if (this.machine || this.closed || this.ended) return;
    this.toMachine();
    const plan = this.options.machinePlan ?? agentsOwnMessage;
    if (plan.kind === 'hang_up') {
      void this.end(plan.end);
      return;
    }
    if (plan.kind !== 'leave_message') return;
    void answer.messageCue.then(() => this.push({ kind: 'message', plan }));
  }

  private async end(end: SessionEnd): Promise<void> {
    if (this.ended) return;
    this.ended = end;
    this.options.hooks.endAs(end);
    this.timers.stop();
    // The transcript and latency are on the call before it ends.
    await this.records.flush();
    this.line?.hangUp();
  }

  private updateBusy(): void {
    this.timers.setBusy(Boolean(this.loop || this.listener?.speaking || this.keypad.collecting || this.voice.busy()));
  }
}
