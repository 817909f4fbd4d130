// Events leave the request path and reach run-data in batches: an isolate collects them per shard for
// `flushDelayMs` (or until `maxBatch`), then sends one request per shard. A failed send is retried with
// backoff (run-data deduplicates, so a retry never double-counts); the buffer is bounded, and what cannot
// be kept is counted and logged, never held without limit.
import type { RunEvent } from "../edge/ports.ts";

export interface BatcherOptions {
  /** Sends one batch to one shard (a Durable Object name). */
  send: (objectName: string, shard: number, events: RunEvent[]) => Promise<void>;
  flushDelayMs?: number;
  maxBatch?: number;
  /** Events held at most, across shards, while sends fail. */
  maxBuffered?: number;
  maxAttempts?: number;
  log?: (message: string, error?: unknown) => void;
}

interface Buffer {
  shard: number;
  events: RunEvent[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class EventBatcher {
  private readonly buffers = new Map<string, Buffer>();
  private buffered = 0;
  private flushScheduled = false;
  /** Events dropped because the buffer was full or sends kept failing (for tests and logs). */
  dropped = 0;
  private readonly o: Required<BatcherOptions>;

  constructor(options: BatcherOptions) {
    this.o = {
      flushDelayMs: 200,
      maxBatch: 500,
      maxBuffered: 20_000,
      maxAttempts: 6,
      log: (m, e) => console.warn(m, e ?? ""),
      ...options,
    };
  }

  /** Queues an event; `ctx.waitUntil` keeps the isolate alive until its batch is sent. */
  add(objectName: string, shard: number, event: RunEvent, ctx: ExecutionContext): void {
    if (this.buffered >= this.o.maxBuffered) {
      this.dropped++;
      this.o.log(`sgen-ab: run-data buffer full (${this.o.maxBuffered} events); an event was dropped`);
      return;
    }
    let buffer = this.buffers.get(objectName);
    if (buffer === undefined) {
      buffer = { shard, events: [] };
      this.buffers.set(objectName, buffer);
    }
    buffer.events.push(event);
    this.buffered++;
    // Workers bind every promise and timer to the request that made it, and a request must not wait on
    // another's. So the request whose event finds no flush pending owns the next flush: its own timer,
    // its own sends (of every request's events), kept alive by its own waitUntil. No request awaits a
    // promise another request created.
    if (buffer.events.length >= this.o.maxBatch) ctx.waitUntil(this.send(objectName));
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      ctx.waitUntil(sleep(this.o.flushDelayMs).then(() => this.flushAll()));
    }
  }

  /** Sends everything now (tests, and a Worker that wants to drain before it is evicted). */
  async flushAll(): Promise<void> {
    this.flushScheduled = false;
    await Promise.all([...this.buffers.keys()].map((name) => this.send(name)));
  }

  private async send(objectName: string): Promise<void> {
    const buffer = this.buffers.get(objectName);
    if (buffer === undefined || buffer.events.length === 0) return;
    this.buffers.delete(objectName);
    const batch = buffer.events;
    this.buffered -= batch.length;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.o.send(objectName, buffer.shard, batch);
        return;
      } catch (err) {
        if (attempt >= this.o.maxAttempts) {
          this.dropped += batch.length;
          this.o.log(`sgen-ab: ${batch.length} run-data events for ${objectName} lost after ${attempt} attempts`, err);
          return;
        }
        await sleep(Math.min(5_000, 50 * 2 ** attempt));
      }
    }
  }
}
