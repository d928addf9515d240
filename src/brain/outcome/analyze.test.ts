import { describe, expect, it } from 'vitest';
import { createScriptedLlm } from '../../llm/scripted/index.js';
import { appointmentConfirmation } from '../flow/templates.js';
import type { ConversationTurn } from '../types.js';
import { analyzeCall } from './analyze.js';

const transcript: ConversationTurn[] = [
  { role: 'agent', text: 'Hi Dana, this is our office calling about your appointment. Can you confirm that you will be able to make it?', offsetMs: 0 },
  { role: 'contact', text: 'Yes, that works for me.', offsetMs: 4000 },
  { role: 'agent', text: 'Great, your appointment is confirmed. Thank you, Dana, and have a great day!', offsetMs: 5000 },
];

const salesSettings = {
  kind: 'prompt',
  outcome: {
    schema: {
      interested: { type: 'boolean', description: 'Wants a demo', required: true },
      seats: { type: 'integer', description: 'Seats needed', nullable: true },
    },
    tags: [{ name: 'hot_lead', description: 'Ready to buy' }, 'follow_up'],
  },
};

describe('analyzeCall with a model', () => {
  it('asks for summary, outcome and tags as structured output and returns a valid answer', async () => {
    const llm = createScriptedLlm([
      { json: { summary: ' The contact wants a demo for 12 seats. ', outcome: { interested: true, seats: 12 }, tags: ['hot_lead'] } },
    ]);
    const analysis = await analyzeCall({ settings: salesSettings, transcript, llm: { provider: llm, model: 'analyst' } });
    expect(analysis).toEqual({
      summary: 'The contact wants a demo for 12 seats.',
      outcome: { interested: true, seats: 12 },
      tags: ['hot_lead'],
      droppedTags: [],
      error: null,
    });
    const request = llm.requests[0]!;
    expect(request.model).toBe('analyst');
    expect(request.jsonSchema?.name).toBe('call_analysis');
    expect(request.jsonSchema?.schema).toMatchObject({
      required: ['summary', 'outcome', 'tags'],
      properties: { tags: { items: { enum: ['hot_lead', 'follow_up'] } }, outcome: { required: ['interested'] } },
    });
    expect(request.messages[0]?.content).toContain('hot_lead: Ready to buy');
    expect(request.messages[1]?.content).toContain('Contact: Yes, that works for me.');
  });

  it('returns an outcome that fails its schema as an error with the ajv messages and the raw value', async () => {
    const raw = { interested: 'very', seats: 2.5 };
    const llm = createScriptedLlm([{ json: { summary: 'Keen.', outcome: raw, tags: [] } }]);
    const analysis = await analyzeCall({ settings: salesSettings, transcript, llm: { provider: llm, model: 'm' } });
    expect(analysis.outcome).toBeNull();
    expect(analysis.summary).toBe('Keen.');
    expect(analysis.error).toEqual({
      code: 'OUTCOME_INVALID',
      message: "The outcome does not match the agent's outcome schema",
      details: { errors: ['/interested must be boolean', '/seats must be integer,null'], raw },
    });
  });

  it('drops tags not in the agent list and notes them', async () => {
    const llm = createScriptedLlm([
      { json: { summary: 'Ok.', outcome: { interested: false, seats: null }, tags: ['follow_up', 'angry', 'follow_up', 'vip'] } },
    ]);
    const analysis = await analyzeCall({ settings: salesSettings, transcript, llm: { provider: llm, model: 'm' } });
    expect(analysis.tags).toEqual(['follow_up']);
    expect(analysis.droppedTags).toEqual(['angry', 'vip']);
    expect(analysis.error).toBeNull();
  });

  it('reports a reply that is not JSON, keeping the raw text', async () => {
    const llm = createScriptedLlm(['The call went well.']);
    const analysis = await analyzeCall({ settings: salesSettings, transcript, llm: { provider: llm, model: 'm' } });
    expect(analysis.error).toEqual({ code: 'ANALYSIS_NOT_JSON', message: 'The model did not answer with a JSON object', details: { raw: 'The call went well.' } });
    expect(analysis.outcome).toBeNull();
  });

  it('reports a provider failure with whether it is worth retrying', async () => {
    const llm = createScriptedLlm([{ error: { category: 'rate_limit', statusCode: 429 } }]);
    const analysis = await analyzeCall({ settings: salesSettings, transcript, llm: { provider: llm, model: 'm' } });
    expect(analysis.error).toEqual({
      code: 'ANALYSIS_FAILED',
      message: 'The model failed to analyse the call',
      details: { provider: 'scripted', category: 'rate_limit', retryable: true, statusCode: 429 },
    });
  });

  it('asks only for a summary when the agent has no outcome settings, and nothing when summary is off', async () => {
    const llm = createScriptedLlm([{ json: { summary: 'Short call.' } }]);
    const binding = { provider: llm, model: 'm' };
    expect(await analyzeCall({ settings: {}, transcript, llm: binding })).toEqual({
      summary: 'Short call.',
      outcome: null,
      tags: [],
      droppedTags: [],
      error: null,
    });
    expect(llm.requests[0]?.jsonSchema?.schema).toMatchObject({ required: ['summary'] });
    const silent = await analyzeCall({ settings: { outcome: { summary: false } }, transcript, llm: binding });
    expect(silent.summary).toBeNull();
    expect(llm.requests).toHaveLength(1);
  });
});

describe('analyzeCall without a model', () => {
  const settings = appointmentConfirmation.settings;

  it('builds the template outcome from the collected values, with tags by rule', async () => {
    const analysis = await analyzeCall({ settings, transcript, collected: { confirmed: true, wants_reschedule: false } });
    expect(analysis).toEqual({
      summary:
        'The agent asked "Can you confirm that you will be able to make it?" and the contact said "Yes, that works for me." Collected: confirmed: yes; wants reschedule: no.',
      outcome: { confirmed: true, wants_reschedule: false, preferred_date: null },
      tags: ['confirmed'],
      droppedTags: [],
      error: null,
    });
  });

  it('keeps the preferred date of a reschedule', async () => {
    const analysis = await analyzeCall({
      settings,
      transcript: [],
      collected: { confirmed: false, wants_reschedule: true, preferred_date: '2025-03-18T14:00-04:00' },
    });
    expect(analysis.outcome).toEqual({ confirmed: false, wants_reschedule: true, preferred_date: '2025-03-18T14:00-04:00' });
    expect(analysis.tags).toEqual(['reschedule_requested']);
    expect(analysis.summary).toBe('Nothing was said. Collected: confirmed: no; wants reschedule: yes; preferred date: 2025-03-18T14:00-04:00.');
  });

  it('reports an outcome the collected values cannot complete', async () => {
    const analysis = await analyzeCall({ settings, transcript: transcript.slice(0, 1), collected: {} });
    expect(analysis.outcome).toBeNull();
    expect(analysis.summary).toBe('The contact did not speak.');
    expect(analysis.error).toEqual({
      code: 'OUTCOME_INVALID',
      message: "The outcome does not match the agent's outcome schema",
      details: {
        errors: ["(root) must have required property 'confirmed'", "(root) must have required property 'wants_reschedule'"],
        raw: { preferred_date: null },
      },
    });
  });

  it('maps fields from differently named values and coerces call variables', async () => {
    const analysis = await analyzeCall({
      settings: {
        outcome: {
          schema: { attending: { type: 'boolean', required: true }, party_size: { type: 'number', required: true } },
          mapping: { attending: 'confirmed' },
          summary: false,
        },
      },
      transcript,
      collected: { confirmed: 'true' },
      variables: { party_size: '4' },
    });
    expect(analysis).toMatchObject({ summary: null, outcome: { attending: true, party_size: 4 }, error: null });
  });

  it('gives the collected values as the outcome when the agent has no schema', async () => {
    const analysis = await analyzeCall({ settings: {}, transcript, collected: { plan: 'plus' } });
    expect(analysis.outcome).toEqual({ plan: 'plus' });
    expect((await analyzeCall({ settings: {}, transcript })).outcome).toBeNull();
  });

  it('reports invalid outcome settings instead of guessing', async () => {
    const analysis = await analyzeCall({ settings: { outcome: { schema: { x: { type: 'money' } } } }, transcript });
    expect(analysis.error).toMatchObject({
      code: 'OUTCOME_SETTINGS_INVALID',
      details: { problems: [expect.objectContaining({ field: 'schema.x.type' })] },
    });
  });
});

describe('offline summary', () => {
  it('quotes up to five exchanges, ending each sentence once', async () => {
    const turns: ConversationTurn[] = [];
    for (let i = 0; i < 7; i++) {
      turns.push({ role: 'agent', text: `Question ${i}?`, offsetMs: i * 2 });
      turns.push({ role: 'contact', text: i === 0 ? 'Yep' : `Answer ${i}.`, offsetMs: i * 2 + 1 });
    }
    const analysis = await analyzeCall({ settings: {}, transcript: turns });
    expect(analysis.summary).toBe(
      [0, 1, 2, 3, 4].map((i) => `The agent asked "Question ${i}?" and the contact said "${i === 0 ? 'Yep.' : `Answer ${i}.`}"`).join(' '),
    );
  });
});
