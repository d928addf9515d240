/**
 * An organisation's dialling rules: the default calling window that every call on a real carrier
 * keeps to (08:00-21:00 in the callee's local time, the US telemarketing hours, unless turned
 * off), and how many times a day one number may be called (3 unless changed).
 */
import { z } from 'zod';
import { eq } from 'drizzle-orm';
import type { Db } from '../store/database.js';
import { organizations } from '../store/schema.js';
import { dailyWindow, type CallingWindow } from '../dispatch/calling-window.js';

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'a time like "08:00"');

export const orgSettingsSchema = z.strictObject({
  default_calling_window: z
    .strictObject({
      enabled: z.boolean().optional(),
      start: clock.optional(),
      end: clock.optional(),
    })
    .optional()
    .describe('Applies to every call on a real carrier (not the simulated network), in the callee\'s local time'),
  daily_call_cap: z.number().int().min(1).max(1000).optional().describe('Calls to one number in any 24 hours; default 3'),
});
export type OrgSettingsInput = z.infer<typeof orgSettingsSchema>;

export interface OrgSettings {
  readonly defaultWindow: { readonly enabled: boolean; readonly start: string; readonly end: string };
  readonly dailyCallCap: number;
  /** Whether the organisation set the cap itself: only then does it bind calls on the simulated network. */
  readonly dailyCallCapSet: boolean;
}

export const defaultDailyCallCap = 3;

export function orgSettingsOf(stored: Record<string, unknown> | null | undefined): OrgSettings {
  const parsed = orgSettingsSchema.safeParse(stored ?? {});
  const value = parsed.success ? parsed.data : {};
  return {
    defaultWindow: {
      enabled: value.default_calling_window?.enabled ?? true,
      start: value.default_calling_window?.start ?? '08:00',
      end: value.default_calling_window?.end ?? '21:00',
    },
    dailyCallCap: value.daily_call_cap ?? defaultDailyCallCap,
    dailyCallCapSet: value.daily_call_cap !== undefined,
  };
}

export function orgSettingsView(settings: OrgSettings) {
  return { default_calling_window: settings.defaultWindow, daily_call_cap: settings.dailyCallCap };
}

/**
 * The cap binding a call on a carrier that is (or is not) a simulated network. The defaults are
 * for real carriers: on the simulated network the cap holds only once the organisation sets one,
 * so trying Parley with one test number all day keeps working. The caller asks the carrier
 * registry which carriers are simulated: no carrier is named here.
 */
export function dailyCapFor(settings: OrgSettings, simulated: boolean): number | null {
  return !simulated || settings.dailyCallCapSet ? settings.dailyCallCap : null;
}

/** The default window a call keeps to: on, and on a real carrier (the simulated network keeps to none). */
export function defaultWindowFor(settings: OrgSettings, simulated: boolean): CallingWindow | null {
  return simulated ? null : defaultWindowOf(settings);
}

/** The default window as a CallingWindow, when on. */
export function defaultWindowOf(settings: OrgSettings): CallingWindow | null {
  return settings.defaultWindow.enabled ? dailyWindow(settings.defaultWindow.start, settings.defaultWindow.end) : null;
}

export async function readOrgSettings(db: Db, orgId: string): Promise<OrgSettings> {
  const [row] = await db.select({ settings: organizations.settings }).from(organizations).where(eq(organizations.id, orgId));
  return orgSettingsOf(row?.settings);
}

/** Merges a change into the stored settings and returns the result. */
export async function updateOrgSettings(db: Db, orgId: string, change: OrgSettingsInput): Promise<OrgSettings> {
  return db.transaction(async (tx) => {
    const [row] = await tx.select({ settings: organizations.settings }).from(organizations).where(eq(organizations.id, orgId)).for('update');
    const current = (row?.settings ?? {}) as OrgSettingsInput;
    const merged: OrgSettingsInput = {
      ...current,
      ...(change.daily_call_cap !== undefined ? { daily_call_cap: change.daily_call_cap } : {}),
      ...(change.default_calling_window ? { default_calling_window: { ...current.default_calling_window, ...change.default_calling_window } } : {}),
    };
    await tx.update(organizations).set({ settings: merged as Record<string, unknown> }).where(eq(organizations.id, orgId));
    return orgSettingsOf(merged as Record<string, unknown>);
  });
}

/** The settings as the API reads and changes them. */
export class OrgSettingsService {
  constructor(private readonly db: Db) {}

  read(orgId: string): Promise<OrgSettings> {
    return readOrgSettings(this.db, orgId);
  }

  update(orgId: string, change: OrgSettingsInput): Promise<OrgSettings> {
    return updateOrgSettings(this.db, orgId, change);
  }
}
