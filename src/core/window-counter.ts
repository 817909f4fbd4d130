// Counts per key in fixed windows, in memory: the in-isolate limiter of the edge (custom events, new
// visitors counted per client) where a Durable Object call per request would cost the page. Bounded: a
// window tracks at most `maxKeys` keys; past that, new keys share one overflow count, so a flood of
// fresh keys cannot grow the isolate's memory. Imports nothing.

export class WindowCounter {
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private start = Number.NEGATIVE_INFINITY;
  private readonly counts = new Map<string, number>();

  constructor(windowMs: number, maxKeys = 50_000) {
    this.windowMs = windowMs;
    this.maxKeys = maxKeys;
  }

  /** Counts one hit of `key` at `now` and returns the key's count in the current window, this hit included. */
  hit(key: string, now: number): number {
    if (now - this.start >= this.windowMs || now < this.start) {
      this.start = now - (now % this.windowMs);
      this.counts.clear();
    }
    const k = this.counts.has(key) || this.counts.size < this.maxKeys ? key : "\u0000overflow";
    const n = (this.counts.get(k) ?? 0) + 1;
    this.counts.set(k, n);
    return n;
  }

  /** Whole seconds until the current window ends (at least 1). */
  retryAfterSeconds(now: number): number {
    return Math.max(1, Math.ceil((this.start + this.windowMs - now) / 1000));
  }
}

/**
 * Distinct members per key in fixed windows, in memory, with a limit per key: `admit` says whether a
 * member may join its key's set this window (one already in it always may). For "new visitors per
 * client": a visitor who comes back without its cookie is the same id and costs its client nothing
 * more. Bounded: past `maxMembers` remembered in a window, a new member is charged without being
 * remembered (so a repeat of it is charged again), and the isolate's memory stays flat.
 */
export class WindowSets {
  private readonly windowMs: number;
  private readonly maxMembers: number;
  private start = Number.NEGATIVE_INFINITY;
  private readonly sets = new Map<string, { members: Set<string>; charged: number }>();
  private remembered = 0;

  constructor(windowMs: number, maxMembers = 50_000) {
    this.windowMs = windowMs;
    this.maxMembers = maxMembers;
  }

  /** Whether `member` of `key` is within `limit` distinct members this window; admitting it counts it. */
  admit(key: string, member: string, limit: number, now: number): boolean {
    if (now - this.start >= this.windowMs || now < this.start) {
      this.start = now - (now % this.windowMs);
      this.sets.clear();
      this.remembered = 0;
    }
    let entry = this.sets.get(key);
    if (entry === undefined) {
      if (this.sets.size >= this.maxMembers) return false; // a flood of new clients: the overflow is not counted
      entry = { members: new Set(), charged: 0 };
      this.sets.set(key, entry);
    }
    if (entry.members.has(member)) return true;
    if (entry.charged >= limit) return false;
    entry.charged++;
    if (this.remembered < this.maxMembers) {
      entry.members.add(member);
      this.remembered++;
    }
    return true;
  }
}
