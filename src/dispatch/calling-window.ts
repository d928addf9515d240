/**
 * Calling windows in the callee's local time: a weekly table of open intervals, read in every
 * zone the number may be in (a region spanning zones is open only when it is open in all of
 * them: the most restrictive reading), intersected with any other window that applies (the
 * organisation's default and a campaign's schedule), between optional start and end dates.
 */
import { z } from 'zod';

export const dayKeys = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type DayKey = (typeof dayKeys)[number];
const longDayNames: Record<string, DayKey> = {
  sunday: 'sun', monday: 'mon', tuesday: 'tue', wednesday: 'wed', thursday: 'thu', friday: 'fri', saturday: 'sat',
};

/** Open minutes of the local day, [start, end), per weekday (0 = Sunday). */
export interface WeeklyWindow {
  readonly days: readonly (readonly (readonly [number, number])[])[];
}

export interface CallingWindow {
  readonly weekly: WeeklyWindow;
  readonly startsAt?: Date | undefined;
  readonly endsAt?: Date | undefined;
}

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'a time like "09:00" ("24:00" is midnight at the end of the day)');
const dayName = z.string().transform((value, ctx) => {
  const key = value.toLowerCase();
  const day = (dayKeys as readonly string[]).includes(key) ? (key as DayKey) : longDayNames[key];
  if (!day) ctx.addIssue({ code: 'custom', message: `"${value}" is not a day; use mon, tue, wed, thu, fri, sat, sun` });
  return day ?? 'mon';
});
const interval = z.strictObject({ start: clock, end: clock }).refine((value) => minutes(value.end) > minutes(value.start), { message: '"end" must be after "start"' });

/** A schedule as the API takes it: simple days + hours, or a per-day table (HappyRobot's `detailed_work_hours`). */
export const scheduleSchema = z
  .strictObject({
    days: z.array(dayName).min(1).max(7).optional().describe('Days the window is open; every day when absent'),
    start: clock.optional().describe('Local opening time, e.g. "09:00"'),
    end: clock.optional().describe('Local closing time, e.g. "17:00"; "24:00" is midnight'),
    detailed_work_hours: z
      .record(dayName, z.union([interval, z.array(interval).max(8)]))
      .optional()
      .describe('Per-day hours, e.g. {"monday": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]}'),
    starts_at: z.iso.datetime({ offset: true }).optional().describe('No call before this instant'),
    ends_at: z.iso.datetime({ offset: true }).optional().describe('No call after this instant'),
  })
  .superRefine((value, ctx) => {
    const simple = value.start !== undefined || value.end !== undefined || value.days !== undefined;
    if (simple && value.detailed_work_hours) ctx.addIssue({ code: 'custom', message: 'give either "days"/"start"/"end" or "detailed_work_hours", not both' });
    if (simple && (value.start === undefined || value.end === undefined)) ctx.addIssue({ code: 'custom', message: '"start" and "end" are both required', path: [value.start === undefined ? 'start' : 'end'] });
    if (value.start !== undefined && value.end !== undefined && minutes(value.end) <= minutes(value.start)) ctx.addIssue({ code: 'custom', message: '"end" must be after "start"', path: ['end'] });
    if (value.starts_at && value.ends_at && Date.parse(value.ends_at) <= Date.parse(value.starts_at)) ctx.addIssue({ code: 'custom', message: '"ends_at" must be after "starts_at"', path: ['ends_at'] });
  });
export type ScheduleInput = z.infer<typeof scheduleSchema>;

function minutes(time: string): number {
  const [hours, mins] = time.split(':').map(Number);
  return hours! * 60 + mins!;
}

/** The stored schedule as a window; a schedule with only dates is open all day between them. */
export function windowOf(schedule: ScheduleInput): CallingWindow {
  const days: [number, number][][] = dayKeys.map(() => []);
  if (schedule.detailed_work_hours) {
    for (const [day, hours] of Object.entries(schedule.detailed_work_hours)) {
      const index = dayKeys.indexOf(day as DayKey);
      for (const range of Array.isArray(hours) ? hours : [hours]) days[index]!.push([minutes(range.start), minutes(range.end)]);
    }
  } else {
    const open: [number, number] = schedule.start !== undefined && schedule.end !== undefined ? [minutes(schedule.start), minutes(schedule.end)] : [0, 1440];
    for (const day of schedule.days ?? dayKeys) days[dayKeys.indexOf(day)]!.push(open);
  }
  for (const day of days) day.sort((a, b) => a[0] - b[0]);
  return {
    weekly: { days },
    ...(schedule.starts_at ? { startsAt: new Date(schedule.starts_at) } : {}),
    ...(schedule.ends_at ? { endsAt: new Date(schedule.ends_at) } : {}),
  };
}

/** Every day, `start` to `end` local time (the organisation's default window). */
export function dailyWindow(start: string, end: string): CallingWindow {
  return windowOf({ start, end });
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const weekdayIndex: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** Whether `zone` is an IANA zone this runtime knows. */
export function isKnownZone(zone: string): boolean {
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', weekday: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** Local weekday (0 = Sunday), minute of the day and second of the minute at `atMs` in `zone`. */
function localTime(zone: string, atMs: number): { weekday: number; minute: number; second: number } {
  let weekday = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const part of formatterFor(zone).formatToParts(atMs)) {
    if (part.type === 'weekday') weekday = weekdayIndex[part.value] ?? 0;
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
    else if (part.type === 'second') second = Number(part.value);
  }
  return { weekday, minute: hour * 60 + minute, second };
}

function openAt(window: WeeklyWindow, zone: string, atMs: number): boolean {
  const local = localTime(zone, atMs);
  return window.days[local.weekday]!.some(([start, end]) => local.minute >= start && local.minute < end);
}

/** The first instant at or after `atMs` at which `window` opens in `zone`, or null in the coming week. */
function nextOpening(window: WeeklyWindow, zone: string, atMs: number): number | null {
  const local = localTime(zone, atMs);
  const startOfMinute = atMs - (atMs % 1000) - local.second * 1000;
  for (let day = 0; day <= 7; day++) {
    for (const [start, end] of window.days[(local.weekday + day) % 7]!) {
      const startIn = day * 1440 + start - local.minute;
      const endIn = day * 1440 + end - local.minute;
      if (endIn <= 0) continue;
      if (startIn <= 0) return atMs;
      let candidate = startOfMinute + startIn * 60_000;
      // A daylight-saving change in between shifts the local clock: land on the opening itself.
      const landed = localTime(zone, candidate).minute;
      if (landed !== start) candidate += (((start - landed + 720 + 1440) % 1440) - 720) * 60_000;
      return Math.max(candidate, atMs);
    }
  }
  return null;
}

/** How far ahead an opening is looked for before a number counts as never callable. */
const searchHorizonMs = 14 * 86_400_000;

export type WindowVerdict =
  | { readonly open: true }
  /** Closed now; `until` is when every window opens in every zone (null: not within two weeks, or past `ends_at`). */
  | { readonly open: false; readonly until: Date | null; readonly ended: boolean };

/** Whether a callee in `zones` may be called at `now` under all of `windows`, and if not, from when. */
export function checkWindows(windows: readonly CallingWindow[], zones: readonly string[], now: Date): WindowVerdict {
  if (windows.length === 0) return { open: true };
  // No zone at all: no local time to read the windows in (callers pass every offset instead).
  if (zones.length === 0) return { open: false, until: null, ended: false };
  const zoneList = zones;
  const start = now.getTime();
  let at = start;
  for (let iteration = 0; iteration < 64; iteration++) {
    let next = at;
    for (const window of windows) {
      if (window.endsAt && at >= window.endsAt.getTime()) return { open: false, until: null, ended: true };
      if (window.startsAt && at < window.startsAt.getTime()) {
        next = Math.max(next, window.startsAt.getTime());
        continue;
      }
      for (const zone of zoneList) {
        if (openAt(window.weekly, zone, at)) continue;
        const opening = nextOpening(window.weekly, zone, at);
        if (opening === null) return { open: false, until: null, ended: false };
        next = Math.max(next, opening);
      }
    }
    if (next === at) return at === start ? { open: true } : { open: false, until: new Date(at), ended: false };
    if (next - start > searchHorizonMs) return { open: false, until: null, ended: false };
    at = next;
  }
  return { open: false, until: null, ended: false };
}
