/** The built-in call-control tools (end, transfer, DTMF, voicemail, opt-out): their specs and what a call of each does. */
import type { LlmToolSpec } from '../../llm/types.js';
import { DTMF_MAX_KEYS, DTMF_SEQUENCE_PATTERN } from '../../media/dtmf.js';
import { transferModes, type TransferMode } from '../types.js';
import type { ToolOutcome } from './outcome.js';

/** The built-ins, in the order they are offered. */
export const builtinToolNames = ['end_call', 'transfer_call', 'send_dtmf', 'leave_voicemail', 'opt_out'] as const;
/** One built-in tool's name. */
export type BuiltinToolName = (typeof builtinToolNames)[number];

/** DTMF keys a carrier can play; `w` is a half-second pause. The bound the voice lane renders (media/dtmf.ts), so what passes here plays. */
export const DTMF_PATTERN = DTMF_SEQUENCE_PATTERN.source;

/** Numbers compare without the spaces, dashes and brackets people write them with. */
export const normaliseNumber = (number: string): string => number.replace(/[\s\-().]/g, '');

/** The spec the model sees for a built-in; transfer_call lists the numbers it may use. */
export function builtinToolSpec(name: BuiltinToolName, transferNumbers: readonly string[]): LlmToolSpec {
  switch (name) {
    case 'end_call':
      return {
        name,
        description:
          'Hang up the call. Use it once the conversation is over (goal reached, the person asks to end, wrong number, ' +
          'not interested). Say your goodbye in the same reply, before calling it.',
        parameters: {
          type: 'object',
          properties: { reason: { type: 'string', description: 'Why the call ends, in a few words, e.g. "goal_reached", "not_interested".' } },
        },
      };
    case 'transfer_call':
      return {
        name,
        description:
          'Transfer the call to a person or team. Only these numbers are allowed: ' +
          `${transferNumbers.join(', ')} (the first when "to" is left out). Tell the person you are transferring ` +
          'them before calling it. "cold" hands the call over at once; "warm" first calls the number and briefs ' +
          'whoever answers, and if nobody takes the call you stay on the line and tell the person.',
        parameters: {
          type: 'object',
          properties: {
            to: { type: 'string', description: 'The number to transfer to, exactly as listed (E.164).' },
            mode: { type: 'string', enum: [...transferModes], description: 'cold (hand over now) or warm (brief them first).' },
            reason: { type: 'string', description: 'Why the call is transferred, in a few words.' },
          },
          required: ['mode', 'reason'],
        },
      };
    case 'send_dtmf':
      return {
        name,
        description:
          `Press keys on the phone keypad, e.g. to navigate a phone menu. Digits 0-9, *, #, A-D; w waits half a second; at most ${DTMF_MAX_KEYS}. ` +
          'The keys play after what you said before calling it and before what you say next.',
        parameters: {
          type: 'object',
          properties: {
            digits: {
              type: 'string', minLength: 1, maxLength: DTMF_MAX_KEYS, pattern: DTMF_PATTERN,
              description: `The keys to press, e.g. "1" or "123#" (at most ${DTMF_MAX_KEYS}).`,
            },
          },
          required: ['digits'],
        },
      };
    case 'opt_out':
      return {
        name,
        description:
          'Use when the person asks not to be called again (stop calling, take me off your list, do not call): their number ' +
          'goes on the do-not-call list and is never called again. Confirm it to them politely, then end the call.',
        parameters: { type: 'object', properties: { reason: { type: 'string', description: 'What they said, in a few words.' } } },
      };
    case 'leave_voicemail':
      return {
        name,
        description:
          'Use when you reached an answering machine or voicemail: leaves this message after the beep and hangs up.',
        parameters: {
          type: 'object',
          properties: { message: { type: 'string', pattern: '\\S', description: 'The full message to leave, as it should be spoken.' } },
          required: ['message'],
        },
      };
  }
}

/** What a (schema-valid) call of a built-in does; `args` has passed the spec's JSON Schema. */
export function runBuiltinTool(name: BuiltinToolName, args: Record<string, unknown>, transferNumbers: readonly string[]): ToolOutcome {
  switch (name) {
    case 'end_call': {
      const reason = typeof args['reason'] === 'string' && args['reason'].trim() ? args['reason'].trim() : 'agent_ended';
      return { ok: true, result: { status: 'ending_call' }, action: { type: 'end_call', reason }, endsTurn: true };
    }
    case 'transfer_call': {
      const requested = args['to'] ?? args['number'];
      const wanted = requested === undefined ? undefined : normaliseNumber(String(requested));
      const allowed = wanted === undefined ? transferNumbers[0] : transferNumbers.find((number) => normaliseNumber(number) === wanted);
      if (!allowed) {
        return {
          ok: false,
          result: {
            error: `Transferring to that number is not allowed. Allowed numbers: ${transferNumbers.join(', ') || 'none'}.`,
          },
          endsTurn: false,
        };
      }
      const reason = typeof args['reason'] === 'string' ? args['reason'] : undefined;
      const mode: TransferMode = args['mode'] === 'warm' ? 'warm' : 'cold';
      return {
        ok: true,
        result: { status: 'transferring', to: allowed, mode },
        action: { type: 'transfer_call', to: allowed, mode, ...(reason ? { reason } : {}) },
        endsTurn: true,
      };
    }
    case 'send_dtmf': {
      const digits = String(args['digits']);
      // Queued, not yet heard: the line plays the keys in order with the words around them.
      return { ok: true, result: { status: 'queued', digits }, action: { type: 'send_dtmf', digits }, endsTurn: false };
    }
    case 'opt_out':
      // The tool call itself is the record: it is kept as the call's event, and the number is
      // listed in the transaction that ends the call (dnc/opt-out.ts).
      return { ok: true, result: { status: 'added_to_do_not_call' }, endsTurn: false };
    case 'leave_voicemail': {
      const message = String(args['message']).trim();
      return { ok: true, result: { status: 'leaving_message' }, action: { type: 'leave_voicemail', message }, endsTurn: true };
    }
  }
}
