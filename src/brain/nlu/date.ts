/** Offline date and time understanding with chrono-node, relative to a reference instant and the call's timezone. */
import * as chrono from 'chrono-node';
import { replaceNumberWords } from './number.js';

/** A date (and maybe a time) the contact named, as wall-clock values in the call's timezone. */
export interface ParsedDate {
  /** `YYYY-MM-DD`. */
  readonly date: string;
  /** `HH:mm` (24 h) when the contact named a time, else null. */
  readonly time: string | null;
  /** What to store: `date` alone, or `YYYY-MM-DDTHH:mm±HH:MM` when a time was named. */
  readonly value: string;
  /** The words that named it. */
  readonly text: string;
}

export interface DateParseOptions {
  /** "Tomorrow" is relative to this instant; default now. */
  readonly reference?: Date;
  /** IANA timezone of the call ("America/Chicago"); default UTC. An unknown name is treated as UTC. */
  readonly timezone?: string;
}

/** Hours 1 to 7 said without am/pm are afternoon hours: nobody books a 3 am appointment. */
const afternoonUpToHour = 7;

/**
 * The first date or time in the utterance, or null. Number words are read as digits first
 * ("the twenty first at three thirty"), a lone day of month ("on the 21st") means its next
 * occurrence, and dates are taken forward from the reference ("Friday" is the coming one).
 */
export function parseDate(text: string, options: DateParseOptions = {}): ParsedDate | null {
  const reference = options.reference ?? new Date();
  const offsetMinutes = timezoneOffsetMinutes(options.timezone, reference);
  const prepared = replaceNumberWords(text).replace(/\bat (\d{1,2}) ([0-5]\d)\b/gi, 'at $1:$2');

  const [result] = chrono.parse(prepared, { instant: reference, timezone: offsetMinutes }, { forwardDate: true });
  const dayOfMonth = /\b(\d{1,2})(?:st|nd|rd|th)\b/i.exec(prepared);
  const clock = result?.start.isCertain('hour')
    ? { hour: result.start.get('hour')!, minute: result.start.get('minute') ?? 0, meridiemKnown: result.start.isCertain('meridiem') }
    : null;
  if (result && (result.start.isCertain('day') || !dayOfMonth)) {
    const day = { year: result.start.get('year')!, month: result.start.get('month')!, day: result.start.get('day')! };
    return build(day, clock, result.text, options.timezone);
  }
  if (!dayOfMonth) return null;
  const day = nextDayOfMonth(Number(dayOfMonth[1]), reference, offsetMinutes);
  return day && build(day, clock, result ? `${dayOfMonth[0]} ${result.text}` : dayOfMonth[0], options.timezone);
}

interface CalendarDay {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

function build(
  day: CalendarDay,
  clock: { hour: number; minute: number; meridiemKnown: boolean } | null,
  text: string,
  timezone: string | undefined,
): ParsedDate {
  const date = isoDate(day.year, day.month, day.day);
  if (!clock) return { date, time: null, value: date, text };
  const hour = !clock.meridiemKnown && clock.hour >= 1 && clock.hour <= afternoonUpToHour ? clock.hour + 12 : clock.hour;
  const time = `${pad(hour)}:${pad(clock.minute)}`;
  return { date, time, value: dateValue(date, time, timezone), text };
}

/**
 * The stored form of a date: `YYYY-MM-DD`, or with a time `YYYY-MM-DDTHH:mm±HH:MM` carrying the
 * timezone's offset on that day (it can differ from today's across a daylight-saving change).
 */
export function dateValue(date: string, time: string | null, timezone?: string): string {
  if (!time) return date;
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  const wallMs = Date.UTC(year, month - 1, day, hour, minute);
  // Two steps find the offset in force at that wall-clock time, not at the same clock reading in UTC.
  const guess = timezoneOffsetMinutes(timezone, new Date(wallMs));
  const offset = timezoneOffsetMinutes(timezone, new Date(wallMs - guess * 60_000));
  return `${date}T${time}${formatOffset(offset)}`;
}

/** The next date (today included) whose day of month is `day`, skipping months too short for it. */
function nextDayOfMonth(day: number, reference: Date, offsetMinutes: number): CalendarDay | null {
  if (day < 1 || day > 31) return null;
  const local = new Date(reference.getTime() + offsetMinutes * 60_000);
  const firstMonth = local.getUTCMonth() + (day < local.getUTCDate() ? 1 : 0);
  for (let month = firstMonth; month < firstMonth + 12; month++) {
    const candidate = new Date(Date.UTC(local.getUTCFullYear(), month, day));
    if (candidate.getUTCDate() === day) {
      return { year: candidate.getUTCFullYear(), month: candidate.getUTCMonth() + 1, day };
    }
  }
  return null;
}

/** Minutes east of UTC for an IANA timezone at an instant; 0 for none or an unknown name. */
export function timezoneOffsetMinutes(timezone: string | undefined, instant: Date): number {
  if (!timezone) return 0;
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    }).formatToParts(instant);
  } catch {
    return 0;
  }
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((part) => part.type === type)?.value ?? 0);
  const wallMs = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const instantSeconds = Math.floor(instant.getTime() / 1000) * 1000;
  return Math.round((wallMs - instantSeconds) / 60_000);
}

function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${pad(month)}-${pad(day)}`;
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
