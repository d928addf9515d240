import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.js';
import type { AgentSpec } from '../types.js';
import { systemPrompt } from './instructions.js';
import { checkPromptSettings, parsePromptSettings } from './settings.js';

describe('prompt agent settings', () => {
  it('fills defaults and leaves other capabilities’ keys alone', () => {
    expect(parsePromptSettings({ outcome: { fields: [] } })).toEqual({ kind: 'prompt', llm: {}, tools: [], transfer_numbers: [] });
  });

  it('writes transfer numbers in E.164 before they are saved', () => {
    expect(checkPromptSettings({ transfer_numbers: ['+1 415 555 0100'], timers: { silence_reprompt_s: 8 } })).toEqual({
      transfer_numbers: ['+14155550100'],
      timers: { silence_reprompt_s: 8 },
    });
  });

  it('leaves flow agents to their own checks', () => {
    const flow = { kind: 'flow', flow: { nodes: [] }, transfer_numbers: ['not a number'] };
    expect(checkPromptSettings(flow)).toBe(flow);
  });

  it('names every bad field in a VALIDATION_FAILED error', () => {
    try {
      parsePromptSettings({ llm: { provider: 'mystery', temperature: 5 }, transfer_numbers: ['555'] });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      const fields = ((error as AppError).details as { field: string }[]).map((detail) => detail.field);
      expect(fields).toEqual(expect.arrayContaining(['llm.provider', 'llm.temperature', 'transfer_numbers.0']));
    }
  });

  it('refuses two tools of one name', () => {
    const tool = { name: 'crm', description: 'CRM.', url: 'https://crm.example.com' };
    expect(() => parsePromptSettings({ tools: [tool, tool] })).toThrow(/tools\.1\.name/);
  });
});

describe('system prompt', () => {
  const agent: AgentSpec = {
    id: 'a', name: 'Anna', prompt: 'Help {{name}}.', greeting: null, firstSpeaker: 'agent', language: 'fr-FR', variableDefaults: { name: 'there' }, settings: {},
  };

  it('adapts its rules to a text chat and names the locale', () => {
    const chat = systemPrompt({ agent, variables: {}, channel: 'chat' }, [], 0);
    expect(chat.startsWith('Help there.')).toBe(true);
    expect(chat).toContain('text chat');
    expect(chat).not.toContain('text-to-speech');
    expect(chat).toContain('fr-FR');
    expect(chat).not.toContain('You can use these tools');
  });

  it('falls back to the agent name when the prompt is empty', () => {
    expect(systemPrompt({ agent: { ...agent, prompt: '' }, variables: {}, channel: 'voice' }, [], 0)).toContain('You are Anna');
  });
});
