/** The system prompt of a prompt agent: the author's prompt, rendered, plus how to behave on this channel. */
import type { LlmToolSpec } from '../../llm/types.js';
import { renderTemplate } from '../template.js';
import type { ConversationContext } from '../types.js';

/** Marks what the phone system tells the model inside user messages; the model must never say it. */
export const NOTE_OPEN = '[Call note: ';

const voiceRules = [
  'You are on a live phone call. Everything you write is spoken aloud by a text-to-speech voice.',
  'Keep each reply to one to three short sentences and ask one question at a time.',
  'Write plain spoken words only: no markdown, lists, headings, emojis or URLs. Say numbers, dates, times and prices the way a person would say them.',
  'If you did not catch what the person said, ask them to repeat it.',
];

const chatRules = [
  'This is a text chat standing in for a phone call: reply as you would speak on the phone.',
  'Keep each reply to one to three short sentences, in plain text with no markdown, and ask one question at a time.',
];

/** How the call-control tools are meant to be used, for the tools this agent has. */
function toolRules(tools: readonly LlmToolSpec[]): string[] {
  if (tools.length === 0) return [];
  const names = new Set(tools.map((tool) => tool.name));
  const rules = [`You can use these tools: ${[...names].join(', ')}. Use a tool rather than saying you will.`];
  if (names.has('end_call')) rules.push('When the conversation is over, say a short goodbye and call end_call in the same reply.');
  if (names.has('transfer_call')) rules.push('Before calling transfer_call, tell the person you are transferring them.');
  if (names.has('leave_voicemail')) rules.push('If you reach an answering machine or voicemail, call leave_voicemail with your message.');
  if (names.has('opt_out')) rules.push('If the person asks not to be called again, call opt_out, confirm it, and end the call.');
  return rules;
}

/**
 * The full system prompt. `nowMs` gives the model today's date, which it needs for anything
 * about scheduling ("call me back on Tuesday").
 */
export function systemPrompt(context: ConversationContext, tools: readonly LlmToolSpec[], nowMs: number): string {
  const { agent, variables, channel } = context;
  const prompt = renderTemplate(agent.prompt, variables, agent.variableDefaults).trim();
  const rules = [
    ...(channel === 'chat' ? chatRules : voiceRules),
    `Speak the language of the locale ${agent.language} unless the person clearly prefers another.`,
    `Messages that start with "${NOTE_OPEN.trim()}" come from the phone system, not from the person. Never read them out or write such notes yourself.`,
    ...toolRules(tools),
    `The current date and time is ${new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z')} (UTC).`,
  ];
  return `${prompt || `You are ${agent.name}, a helpful phone agent.`}\n\n# How to behave on this call\n${rules.map((rule) => `- ${rule}`).join('\n')}`;
}
