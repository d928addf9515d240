/** Twilio call statuses and AnsweredBy values -> Parley's carrier events. Pure. */
import { assertNever } from '../../shared/errors.js';
import type { CarrierEvent, TransferLegOutcome } from '../types.js';
import {
  twilioAnsweredByValues, twilioCallStatuses, type TwilioAnsweredBy, type TwilioCallStatus,
} from './protocol.js';
import type { TwilioSignedParams } from './signature.js';

type AnsweredBy = 'human' | 'machine' | 'unknown';

/** What answering-machine detection concluded, in the carrier contract's terms. */
export function mapAnsweredBy(value: TwilioAnsweredBy): { answeredBy: AnsweredBy; beep: boolean } {
  switch (value) {
    case 'human':
      return { answeredBy: 'human', beep: false };
    case 'machine_end_beep':
      return { answeredBy: 'machine', beep: true };
    case 'machine_start':
    case 'machine_end_silence':
    case 'machine_end_other':
    // A fax is no person to talk to: the call treats it as a machine.
    case 'fax':
      return { answeredBy: 'machine', beep: false };
    case 'unknown':
      return { answeredBy: 'unknown', beep: false };
    default:
      return assertNever(value);
  }
}

/** The event a call status means; null for statuses that report nothing new (queued, initiated). */
export function mapCallStatus(
  status: TwilioCallStatus,
  details: { answeredBy?: TwilioAnsweredBy; sipResponseCode?: string } = {},
): CarrierEvent | null {
  switch (status) {
    case 'queued':
    case 'initiated':
      return null;
    case 'ringing':
      return { type: 'ringing' };
    case 'in-progress':
      return {
        type: 'answered',
        answeredBy: details.answeredBy === undefined ? 'unknown' : mapAnsweredBy(details.answeredBy).answeredBy,
      };
    case 'completed':
      return { type: 'ended', outcome: 'completed' };
    case 'busy':
      return { type: 'ended', outcome: 'busy' };
    case 'no-answer':
      return { type: 'ended', outcome: 'no_answer' };
    case 'canceled':
      return { type: 'ended', outcome: 'canceled' };
    case 'failed':
      return details.sipResponseCode === undefined
        ? { type: 'ended', outcome: 'failed' }
        : { type: 'ended', outcome: 'failed', reason: `sip_${details.sipResponseCode}` };
    default:
      return assertNever(status);
  }
}

function single(params: TwilioSignedParams, name: string): string | undefined {
  const value = params[name];
  return typeof value === 'string' ? value : value?.[0];
}

function isOneOf<T extends string>(values: readonly T[], value: string | undefined): value is T {
  return value !== undefined && (values as readonly string[]).includes(value);
}

/** Reads a status callback's form fields; null when CallStatus is missing or unknown. */
export function mapStatusCallback(params: TwilioSignedParams): CarrierEvent | null {
  const status = single(params, 'CallStatus');
  if (!isOneOf(twilioCallStatuses, status)) return null;
  const answeredBy = single(params, 'AnsweredBy');
  const sipResponseCode = single(params, 'SipResponseCode');
  return mapCallStatus(status, {
    ...(isOneOf(twilioAnsweredByValues, answeredBy) ? { answeredBy } : {}),
    ...(sipResponseCode !== undefined && /^\d{3}$/.test(sipResponseCode) ? { sipResponseCode } : {}),
  });
}

/**
 * What ended a machine's greeting, by Twilio's word: with `MachineDetection=DetectMessageEnd` the
 * verdict comes once the greeting is over (machine_end_beep | silence | other); `machine_start`
 * (MachineDetection=Enable) comes while it still plays: null, the message must wait.
 */
export function greetingEndOf(value: TwilioAnsweredBy): 'beep' | 'silence' | 'other' | null {
  switch (value) {
    case 'machine_end_beep':
      return 'beep';
    case 'machine_end_silence':
      return 'silence';
    case 'machine_end_other':
    case 'fax':
      return 'other';
    case 'machine_start':
    case 'human':
    case 'unknown':
      return null;
    default:
      return assertNever(value);
  }
}

/** Reads an async AMD callback (`AsyncAmdStatusCallback`); null without a known AnsweredBy. */
export function mapAmdCallback(params: TwilioSignedParams): CarrierEvent | null {
  const answeredBy = single(params, 'AnsweredBy');
  if (!isOneOf(twilioAnsweredByValues, answeredBy)) return null;
  return { type: 'machine_detected', ...mapAnsweredBy(answeredBy), greetingEnd: greetingEndOf(answeredBy), detail: answeredBy };
}

/** A `<Dial>` action callback's leg outcome; null when DialCallStatus is missing or unknown. */
export function mapDialAction(params: TwilioSignedParams): { outcome: TransferLegOutcome; legDurationS?: number } | null {
  const status = single(params, 'DialCallStatus');
  const duration = Number(single(params, 'DialCallDuration'));
  const legDurationS = Number.isFinite(duration) && duration >= 0 ? Math.round(duration) : undefined;
  switch (status) {
    case 'completed':
    case 'answered':
      return { outcome: 'answered', ...(legDurationS !== undefined ? { legDurationS } : {}) };
    case 'busy':
      return { outcome: 'busy' };
    case 'no-answer':
      return { outcome: 'no_answer' };
    case 'failed':
      return { outcome: 'failed' };
    case 'canceled':
      return { outcome: 'canceled' };
    default:
      return null;
  }
}
