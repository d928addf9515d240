import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.js';
import { createScriptedLlm } from '../../llm/scripted/index.js';
import type { AgentSpec, BrainEvent, Conversation, ConversationTurn, Cue, Variables } from '../types.js';
import { createFlowEngine, type FlowEngineDeps } from './engine.js';
import { appointmentConfirmation } from './templates.js';

const now = new Date('2025-03-10T14:00:00Z');
const variables = { customer_name: 'Dana', appointment_date: 'Thursday, March 13 at 10 am', timezone: 'America/New_York' };

function agentWith(settings: Record<string, unknown>): AgentSpec {
  return {
    id: 'ag_test',
    name: 'Flow test',
    prompt: '',
    greeting: null,
    firstSpeaker: 'agent',
    language: 'en',
    variableDefaults: {},
    settings,
  };
}

/** Drives a conversation the way a call session does: keeps the transcript and sends cues. */
class Chat {
  readonly turns: ConversationTurn[] = [];
  readonly conversation: Conversation;
  private offsetMs = 0;

  constructor(settings: Record<string, unknown> = appointmentConfirmation.settings, vars: Variables = variables, deps: FlowEngineDeps = { clock: () => now }) {
    this.conversation = createFlowEngine(deps).open({ agent: agentWith(settings), variables: vars, channel: 'chat' });
  }

  async cue(cue: Cue): Promise<Turn> {
    const events: BrainEvent[] = [];
    for await (const event of this.conversation.respond(this.turns, cue, new AbortController().signal)) events.push(event);
    const text = events.map((event) => (event.type === 'text' ? event.text : '')).join('');
    if (text) this.turns.push({ role: 'agent', text, offsetMs: (this.offsetMs += 1000) });
    return new Turn(events);
  }

  say(text: string): Promise<Turn> {
    this.turns.push({ role: 'contact', text, offsetMs: (this.offsetMs += 1000) });
    return this.cue({ type: 'contact_turn' });
  }
}

class Turn {
  constructor(readonly events: BrainEvent[]) {}
  get text(): string {
    return this.events.map((event) => (event.type === 'text' ? event.text : '')).join('');
  }
  get collected(): Record<string, unknown> {
    return Object.fromEntries(this.events.flatMap((event) => (event.type === 'collected' ? [[event.name, event.value]] : [])));
  }
  get action(): unknown {
    return this.events.find((event) => event.type === 'action')?.action ?? null;
  }
}

describe('flow engine: appointment confirmation', () => {
  it('greets, asks, and ends confirmed when the contact says yes', async () => {
    const chat = new Chat();
    const opening = await chat.cue({ type: 'start' });
    expect(opening.text).toBe(
      'Hi Dana, this is our office calling about your appointment on Thursday, March 13 at 10 am. Can you confirm that you will be able to make it?',
    );
    expect(opening.events.filter((event) => event.type === 'text')).toHaveLength(2);
    expect(opening.action).toBeNull();

    const reply = await chat.say('Yes, that works for me.');
    expect(reply.collected).toEqual({ confirmed: true, wants_reschedule: false });
    expect(reply.text).toBe('Great, your appointment is confirmed. Thank you, Dana, and have a great day!');
    expect(reply.action).toEqual({ type: 'end_call', reason: 'confirmed' });
    expect(reply.events.at(-1)?.type).toBe('action');

    // After the end, nothing more is said whatever comes.
    expect((await chat.say('Hello?')).events).toEqual([]);
    expect((await chat.cue({ type: 'silence', silentForMs: 5000 })).events).toEqual([]);
  });

  it('takes a new date when the contact cannot come and wants to reschedule', async () => {
    const chat = new Chat();
    await chat.cue({ type: 'start' });
    const no = await chat.say("No, I can't make it.");
    expect(no.collected).toEqual({ confirmed: false });
    expect(no.text).toBe('No problem. Would you like to reschedule?');

    const yes = await chat.say('Yes please');
    expect(yes.collected).toEqual({ wants_reschedule: true });
    expect(yes.text).toBe('What day would work better for you?');

    const date = await chat.say('How about next Tuesday at 2?');
    expect(date.collected).toEqual({ preferred_date: '2025-03-18T14:00-04:00' });
    expect(date.text).toBe('Thank you. Someone from our office will call you to confirm the new time. Goodbye!');
    expect(date.action).toEqual({ type: 'end_call', reason: 'reschedule_requested' });
  });

  it('ends politely when the contact does not want to reschedule', async () => {
    const chat = new Chat(appointmentConfirmation.settings, { ...variables, business_name: 'Bright Smiles Dental' });
    expect((await chat.cue({ type: 'start' })).text).toContain('this is Bright Smiles Dental calling');
    await chat.say('Nope');
    const done = await chat.say("No, that's fine.");
    expect(done.collected).toEqual({ wants_reschedule: false });
    expect(done.action).toEqual({ type: 'end_call', reason: 'not_confirmed' });
  });

  it('re-prompts an unclear answer, then accepts a clear one', async () => {
    const chat = new Chat();
    await chat.cue({ type: 'start' });
    const unclear = await chat.say("Hmm, I'm not sure");
    expect(unclear.collected).toEqual({});
    expect(unclear.action).toBeNull();
    expect(unclear.text).toBe(
      "Sorry, I didn't catch that. Will you be able to make your appointment on Thursday, March 13 at 10 am? Please say yes or no, or press 1 for yes and 2 for no.",
    );
    const yes = await chat.say('Yep');
    expect(yes.action).toEqual({ type: 'end_call', reason: 'confirmed' });
  });

  it('follows on_fail after max_attempts unclear answers', async () => {
    const chat = new Chat();
    await chat.cue({ type: 'start' });
    await chat.say('Who is this?');
    const failed = await chat.say('What?');
    expect(failed.collected).toEqual({});
    expect(failed.text).toBe("I'm sorry for the trouble. Someone from our office will follow up with you. Goodbye.");
    expect(failed.action).toEqual({ type: 'end_call', reason: 'unclear' });
  });

  it('tells a voice lane how many keys answer the pending question', async () => {
    const flow = {
      start: 'confirm',
      nodes: {
        confirm: { type: 'ask', text: 'Press 1 for yes, 2 for no.', expect: 'yes_no', variable: 'ok', next: 'pin' },
        pin: { type: 'ask', text: 'Enter your PIN.', expect: 'number', variable: 'pin', num_digits: 4, next: 'zip' },
        zip: { type: 'ask', text: 'Enter your ZIP code, then pound.', expect: 'number', variable: 'zip', next: 'done' },
        done: { type: 'end', text: 'Thanks.' },
      },
    };
    const chat = new Chat({ kind: 'flow', flow });
    await chat.cue({ type: 'start' });
    expect(chat.conversation.keysExpected?.()).toBe(1);
    await chat.cue({ type: 'dtmf', digits: '1' });
    expect(chat.conversation.keysExpected?.()).toBe(4);
    await chat.cue({ type: 'dtmf', digits: '1234' });
    expect(chat.conversation.keysExpected?.()).toBeUndefined();
  });

  it('keeps the leading zeros of a code asked as digits, keyed or said', async () => {
    const flow = {
      start: 'pin',
      nodes: {
        pin: { type: 'ask', text: 'Enter your PIN.', expect: 'digits', variable: 'pin', next: 'zip' },
        zip: { type: 'ask', text: 'And your ZIP code?', expect: 'digits', variable: 'zip', next: 'done' },
        done: { type: 'end', text: 'Thanks.' },
      },
    };
    const chat = new Chat({ kind: 'flow', flow });
    await chat.cue({ type: 'start' });
    expect((await chat.cue({ type: 'dtmf', digits: '0123#' })).collected).toEqual({ pin: '0123' });
    expect((await chat.say('It is oh two one three nine.')).collected).toEqual({ zip: '02139' });
  });

  it('takes keypad answers: 1 is yes, 2 is no', async () => {
    const chat = new Chat();
    await chat.cue({ type: 'start' });
    const two = await chat.cue({ type: 'dtmf', digits: '2' });
    expect(two.collected).toEqual({ confirmed: false });
    const one = await chat.cue({ type: 'dtmf', digits: '1' });
    expect(one.collected).toEqual({ wants_reschedule: true });
    expect(one.text).toBe('What day would work better for you?');
    // A date cannot be keyed in: the question is asked again in other words.
    const keyed = await chat.cue({ type: 'dtmf', digits: '5' });
    expect(keyed.text).toContain('which day would you prefer');
    const spoken = await chat.say('the twenty first');
    expect(spoken.collected).toEqual({ preferred_date: '2025-03-21' });
  });

  it('asks the pending question again after silence, without using up an attempt', async () => {
    const chat = new Chat();
    await chat.cue({ type: 'start' });
    const again = await chat.cue({ type: 'silence', silentForMs: 6000 });
    expect(again.text).toBe('Can you confirm that you will be able to make it?');
    await chat.cue({ type: 'silence', silentForMs: 6000 });
    await chat.say('maybe');
    // One unclear answer so far: the contact still gets a second try.
    const yes = await chat.say('sure');
    expect(yes.action).toEqual({ type: 'end_call', reason: 'confirmed' });
  });

  it('says goodbye and ends when told to wrap up', async () => {
    const chat = new Chat();
    await chat.cue({ type: 'start' });
    const bye = await chat.cue({ type: 'wrap_up', reason: 'max_duration' });
    expect(bye.text).toBe('I have to let you go now. Thank you for your time, Dana. Goodbye.');
    expect(bye.action).toEqual({ type: 'end_call', reason: 'max_duration' });
    expect((await chat.say('yes')).events).toEqual([]);
  });

  it('leaves the template voicemail on an answering machine', async () => {
    const chat = new Chat();
    const machine = await chat.cue({ type: 'voicemail' });
    expect(machine.action).toEqual({
      type: 'leave_voicemail',
      message:
        'Hi Dana, this is our office calling about your appointment on Thursday, March 13 at 10 am. Please call us back to confirm. Thank you.',
    });
    expect(machine.text).toBe('');
  });

  it('starts on the first contact turn when the contact speaks first', async () => {
    const chat = new Chat();
    const first = await chat.say('Hello, who is calling?');
    expect(first.text).toContain('Hi Dana');
    expect(first.collected).toEqual({});
  });
});

describe('flow engine: opening', () => {
  it('refuses an invalid flow with its problems', () => {
    const engine = createFlowEngine();
    const open = (): unknown =>
      engine.open({ agent: agentWith({ kind: 'flow', flow: { start: 'x', nodes: { y: { type: 'end' } } } }), variables: {}, channel: 'chat' });
    expect(open).toThrow(AppError);
    try {
      open();
    } catch (error) {
      expect(error).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect((error as AppError).details).toEqual({ problems: expect.arrayContaining([expect.objectContaining({ code: 'missing_start' })]) });
    }
  });

  it('keeps the agent\'s first speaker', () => {
    const agent = { ...agentWith(appointmentConfirmation.settings), firstSpeaker: 'contact' as const };
    expect(createFlowEngine().open({ agent, variables, channel: 'voice' }).firstSpeaker).toBe('contact');
  });

  it('says nothing once aborted', async () => {
    const conversation = createFlowEngine().open({ agent: agentWith(appointmentConfirmation.settings), variables, channel: 'chat' });
    const controller = new AbortController();
    controller.abort();
    const events: BrainEvent[] = [];
    for await (const event of conversation.respond([], { type: 'start' }, controller.signal)) events.push(event);
    expect(events).toEqual([]);
  });
});

describe('flow engine with a model', () => {
  it('asks the model only when the offline reading is unclear', async () => {
    const llm = createScriptedLlm([{ json: { answer: 'yes' } }]);
    const chat = new Chat(appointmentConfirmation.settings, variables, { clock: () => now, llm: { provider: llm, model: 'small' } });
    await chat.cue({ type: 'start' });
    const reply = await chat.say('I mean, I suppose I could swing by');
    expect(reply.collected).toEqual({ confirmed: true, wants_reschedule: false });
    expect(llm.requests).toHaveLength(1);
    expect(llm.requests[0]?.messages[1]?.content).toContain('Can you confirm that you will be able to make it?');
  });

  it('does not consult the model for a clear answer', async () => {
    const llm = createScriptedLlm([]);
    const chat = new Chat(appointmentConfirmation.settings, variables, { clock: () => now, llm: { provider: llm, model: 'small' } });
    await chat.cue({ type: 'start' });
    expect((await chat.say('Yes')).action).toEqual({ type: 'end_call', reason: 'confirmed' });
    expect(llm.requests).toHaveLength(0);
  });

  it('falls back to a re-prompt when the model fails', async () => {
    const llm = createScriptedLlm([{ error: { category: 'server', statusCode: 503 } }]);
    const chat = new Chat(appointmentConfirmation.settings, variables, { clock: () => now, llm: { provider: llm, model: 'small' } });
    await chat.cue({ type: 'start' });
    const reply = await chat.say('I suppose I could swing by');
    expect(reply.text).toContain("Sorry, I didn't catch that.");
    expect(llm.requests).toHaveLength(1);
  });
});
