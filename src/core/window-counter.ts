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
