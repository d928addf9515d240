/**
 * A cap on what one organisation holds open on this process at once (event streams, chats):
 * each open one costs a socket and memory, so a key cannot open them without end.
 */
export class OrgSlots {
  private readonly held = new Map<string, number>();

  constructor(readonly limit: number) {}

  /** Whether the organisation holds as many as it may. */
  full(orgId: string): boolean {
    return (this.held.get(orgId) ?? 0) >= this.limit;
  }

  /** Takes one; returns its release (safe to call more than once), or null when the organisation is full. */
  take(orgId: string): (() => void) | null {
    if (this.full(orgId)) return null;
    this.held.set(orgId, (this.held.get(orgId) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(orgId) ?? 1) - 1;
      if (left > 0) this.held.set(orgId, left);
      else this.held.delete(orgId);
    };
  }
}
