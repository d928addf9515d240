import { describe, expect, it } from 'vitest';
import { appointmentConfirmation } from '../flow/templates.js';
import { outcomeErrors } from './outcome-validator.js';
import { defaultOutcomeSettings, parseOutcomeSettings } from './settings.js';

describe('parseOutcomeSettings', () => {
  it('gives the defaults when the agent has no outcome settings', () => {
    expect(parseOutcomeSettings(undefined)).toEqual({ ok: true, settings: defaultOutcomeSettings });
    expect(defaultOutcomeSettings.summary).toBe(true);
  });

  it('keeps a JSON Schema object as it is, minus $schema and $id', () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'https://example.com/outcome',
      type: 'object',
      properties: { test: { type: 'number', description: 'Hello world from Hamsa AI!' } },
      required: ['test'],
    };
    const parsed = parseOutcomeSettings({ schema, tags: ['interested'] });
    expect(parsed).toEqual({
      ok: true,
      settings: {
        schema: { type: 'object', properties: schema.properties, required: ['test'] },
        tags: [{ name: 'interested' }],
        tagRules: [],
        summary: true,
        mapping: {},
      },
    });
  });

  it('normalises a map of fields with required flags into a JSON Schema', () => {
    const parsed = parseOutcomeSettings({
      schema: {
        budget: { type: 'number', description: 'Monthly budget', required: true },
        interested: { type: 'bool', description: 'Wants a demo' },
        callback_date: { type: 'date', description: 'When to call back', nullable: true },
        tier: { type: 'enum', enum: ['gold', 'silver'] },
      },
      summary: false,
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    expect(parsed.settings.schema).toEqual({
      type: 'object',
      properties: {
        budget: { type: 'number', description: 'Monthly budget' },
        interested: { type: 'boolean', description: 'Wants a demo' },
        callback_date: { type: ['string', 'null'], description: 'When to call back' },
        tier: { type: 'string', enum: ['gold', 'silver'] },
      },
      required: ['budget'],
    });
    expect(parsed.settings.summary).toBe(false);
  });

  it("normalises HappyRobot's extract_with_ai list and classification tags", () => {
    const parsed = parseOutcomeSettings({
      schema: [
        { name: 'load_number', description: 'The load reference', type: 'string', example: 'LD-1001', required: true },
        { name: 'rate', description: 'Agreed rate in USD', type: 'number', required: false },
      ],
      tags: [{ name: 'booked', description: 'The carrier booked the load' }, 'not_interested'],
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    expect(parsed.settings.schema).toEqual({
      type: 'object',
      properties: {
        load_number: { type: 'string', description: 'The load reference', examples: ['LD-1001'] },
        rate: { type: 'number', description: 'Agreed rate in USD' },
      },
      required: ['load_number'],
    });
    expect(parsed.settings.tags).toEqual([{ name: 'booked', description: 'The carrier booked the load' }, { name: 'not_interested' }]);
  });

  it('accepts the appointment template outcome settings', () => {
    const parsed = parseOutcomeSettings(appointmentConfirmation.settings.outcome);
    expect(parsed.ok).toBe(true);
  });

  it.each([
    [{ schema: { budget: { type: 'money' } } }, 'schema.budget.type'],
    [{ schema: [{ name: 'bad name', type: 'string' }] }, 'schema.0.name'],
    [{ schema: 'a string' }, 'schema'],
    [{ schema: { type: 'object', properties: { x: { type: 'strng' } } } }, 'schema'],
    [{ tags: [''] }, 'tags.0'],
    [{ tags: ['a'], tag_rules: [{ tag: 'b', when: { x: { equals: 1 } } }] }, 'tag_rules.0.tag'],
    [{ summary: 'yes' }, 'summary'],
    [{ schemaa: {} }, ''],
  ])('names the field at fault in %j', (input, field) => {
    const parsed = parseOutcomeSettings(input);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems.map((problem) => problem.field)).toContain(field);
  });
});

describe('outcomeErrors', () => {
  const schema = appointmentConfirmation.settings.outcome.schema;

  it('lists every ajv error, not just the first', () => {
    expect(outcomeErrors(schema, { confirmed: 'yes', preferred_date: 3 })).toEqual([
      "(root) must have required property 'wants_reschedule'",
      '/confirmed must be boolean',
      '/preferred_date must be string,null',
    ]);
    expect(outcomeErrors(schema, { confirmed: true, wants_reschedule: false, preferred_date: null })).toEqual([]);
  });
});
