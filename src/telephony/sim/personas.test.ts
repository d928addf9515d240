import { describe, expect, it } from 'vitest';
import { createScriptedLlm } from '../../llm/scripted/index.js';
import { llmPersona } from './llm-persona.js';
import { personaDefinition, scriptedPersona } from './personas.js';

const signal = new AbortController().signal;

describe('personas that press keys', () => {
  it('a scripted reply {"dtmf"} is keys, a string is words', async () => {
    const persona = scriptedPersona(personaDefinition.parse({ replies: [{ dtmf: '0123#' }, 'Yes.'] }));
    expect(await persona.reply(['Your PIN?'], signal)).toEqual({ keys: '0123#' });
    expect(await persona.reply(['Your PIN?', 'Confirm?'], signal)).toEqual({ text: 'Yes.' });
  });

  it('refuses keys a keypad does not have', () => {
    const parsed = personaDefinition.safeParse({ replies: [{ dtmf: '12a' }] });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['replies', 0, 'dtmf']);
  });

  it("a model persona presses keys with <dtmf>, and remembers them as keys, not words it said", async () => {
    const llm = createScriptedLlm(['<dtmf>4321#</dtmf>', 'It was my PIN. <hangup>']);
    const persona = llmPersona(personaDefinition.parse({ prompt: 'You are Ann; your PIN is 4321.' }), { provider: llm, model: 'm' });
    expect(await persona.reply(['Please enter your PIN.'], signal)).toEqual({ keys: '4321#', thenHangUp: false });
    expect(await persona.reply(['Please enter your PIN.', 'What did you enter?'], signal)).toEqual({ text: 'It was my PIN.', thenHangUp: true });
    const second = llm.requests[1]!.messages.map((m) => `${m.role}: ${m.content}`);
    expect(second).toContain('assistant: (pressed 4321# on the keypad)');
  });
});
