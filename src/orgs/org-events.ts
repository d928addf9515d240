/**
 * Organisation events that are not a call's (campaign.started, campaign.completed): recorded
 * inside the transaction of the change they report, through the hooks capabilities register
 * (webhooks fan them out to endpoints the same way as call events), so a crash loses none.
 */
import type { Db } from '../store/database.js';

export interface OrgEvent {
  readonly orgId: string;
  /** Dot-cased, past tense: `campaign.started`. */
  readonly type: string;
  /** What the event is about, as the API shows it. */
  readonly data: Record<string, unknown>;
  readonly at: Date;
}

export type OrgEventHook = (tx: Db, event: OrgEvent) => Promise<void>;

export class OrgEvents {
  private readonly hooks: OrgEventHook[] = [];

  /** Registers a hook run inside every organisation event's transaction. */
  addHook(hook: OrgEventHook): void {
    this.hooks.push(hook);
  }

  async emitIn(tx: Db, event: OrgEvent): Promise<void> {
    for (const hook of this.hooks) await hook(tx, event);
  }
}
