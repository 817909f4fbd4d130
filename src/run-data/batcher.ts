// Events leave the request path and reach run-data in batches: an isolate collects them per shard for
// `flushDelayMs` (or until `maxBatch`), then sends one request per shard. A failed send is retried with
// backoff (run-data deduplicates, so a retry never double-counts); the buffer is bounded, and what cannot
// be kept is counted and logged, never held without limit.
//
// The tallies (the guardrails' measurements and the ledger of requests not counted, tallies.ts) are
// added up per experiment in the isolate and ride along with that experiment's next batch of events;
// with no events to ride on, they go on their own every `tallyFlushDelayMs`. So page views that count
// nothing (returning visitors) cost no Durable Object call each: one per experiment per isolate per
// tally window at most.
import type { RunEvent } from "../edge/ports.ts";
import { runDataObjectName } from "../names.ts";
import { ExperimentTallies, type TallyBatch } from "./tallies.ts";

export interface BatcherOptions {
  /** Sends one batch to one shard (a Durable Object name), with an experiment's tallies when it has some. */
  send: (objectName: string, shard: number, events: RunEvent[], tallies?: TallyBatch) => Promise<void>;
  flushDelayMs?: number;
  /** How long tallies may wait for a batch of events to ride on before they are sent alone. Default 5 s. */
  tallyFlushDelayMs?: number;
  maxBatch?: number;
  /** Events held at most, across shards, while sends fail. */
  maxBuffered?: number;
  maxAttempts?: number;
  log?: (message: string, error?: unknown) => void;
}

interface Buffer {
  /** The experiment whose tallies ride with this object's batches; null for a holdout's object (no ledger). */
  experimentId: number | null;
  shard: number;
  events: RunEvent[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class EventBatcher {
  private readonly buffers = new Map<string, Buffer>();
  private readonly tallies = new Map<number, ExperimentTallies>();
  private buffered = 0;
  private flushScheduled = false;
  private tallyFlushScheduled = false;
  /** Events dropped because the buffer was full or sends kept failing (for tests and logs). */
  dropped = 0;
  private readonly o: Required<BatcherOptions>;

  constructor(options: BatcherOptions) {
    this.o = {
      flushDelayMs: 200,
      tallyFlushDelayMs: 5_000,
      maxBatch: 500,
      maxBuffered: 20_000,
      maxAttempts: 6,
      log: (m, e) => console.warn(m, e ?? ""),
      ...options,
    };
  }

  /** Queues an event; `ctx.waitUntil` keeps the isolate alive until its batch is sent. */
  add(objectName: string, shard: number, event: RunEvent, ctx: ExecutionContext, shards = 1): void {
    if (this.buffered >= this.o.maxBuffered) {
      this.dropped++;
      // The ledger is an experiment's; a holdout's dropped event is only logged.
      if (event.kind === "exposure" || event.kind === "conversion") {
        this.tally(event.experimentId, shards).notCountedRequest(
          event.epoch,
          event.kind === "exposure" ? event.variant : null,
          "buffer_overflow",
        );
      }
      this.o.log(`sgen-ab: run-data buffer full (${this.o.maxBuffered} events); an event was dropped`);
      return;
    }
    let buffer = this.buffers.get(objectName);
    if (buffer === undefined) {
      buffer = { experimentId: event.kind === "exposure" || event.kind === "conversion" ? event.experimentId : null, shard, events: [] };
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
      ctx.waitUntil(
        sleep(this.o.flushDelayMs).then(() => {
          this.flushScheduled = false;
          return this.flushAll();
        }),
      );
    }
  }

  /** The running tallies of an experiment, to add to; the request that finds no tally flush pending owns the next. */
  tallyFor(experimentId: number, shards: number, ctx: ExecutionContext): ExperimentTallies {
    const t = this.tally(experimentId, shards);
    if (!this.tallyFlushScheduled) {
      this.tallyFlushScheduled = true;
      ctx.waitUntil(
        sleep(this.o.tallyFlushDelayMs).then(() => {
          this.tallyFlushScheduled = false;
          return this.flushAll();
        }),
      );
    }
    return t;
  }

  private tally(experimentId: number, shards: number): ExperimentTallies {
    let t = this.tallies.get(experimentId);
    if (t === undefined) {
      t = new ExperimentTallies(experimentId, shards);
      this.tallies.set(experimentId, t);
    }
    t.shards = shards;
    return t;
  }

  /** Sends everything now, events and tallies (tests, and a Worker that wants to drain before it is evicted). */
  async flushAll(): Promise<void> {
    // Tallies with no events to ride on get a buffer of their own, at their experiment's first shard.
    for (const t of this.tallies.values()) {
      if (t.empty) continue;
      let riding = false;
      for (const b of this.buffers.values()) if (b.experimentId === t.experimentId && b.events.length > 0) riding = true;
      if (!riding) this.buffers.set(runDataObjectName(t.experimentId, 0), { experimentId: t.experimentId, shard: 0, events: [] });
    }
    await Promise.all([...this.buffers.keys()].map((name) => this.send(name)));
  }

  private async send(objectName: string): Promise<void> {
    const buffer = this.buffers.get(objectName);
    if (buffer === undefined) return;
    const t = buffer.experimentId === null ? undefined : this.tallies.get(buffer.experimentId);
    const tallies = t === undefined || t.empty ? undefined : t.take();
    if (buffer.events.length === 0 && tallies === undefined) {
      this.buffers.delete(objectName);
      return;
    }
    this.buffers.delete(objectName);
    const batch = buffer.events;
    this.buffered -= batch.length;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.o.send(objectName, buffer.shard, batch, tallies);
        return;
      } catch (err) {
        if (attempt >= this.o.maxAttempts) {
          this.dropped += batch.length;
          this.o.log(`sgen-ab: ${batch.length} run-data events for ${objectName} lost after ${attempt} attempts`, err);
          if (buffer.experimentId !== null) {
            const lost = this.tally(buffer.experimentId, t?.shards ?? 1);
            for (const e of batch) lost.notCountedRequest(e.epoch, e.kind === "exposure" ? e.variant : null, "delivery_failed");
          }
          return;
        }
        await sleep(Math.min(5_000, 50 * 2 ** attempt));
      }
    }
  }
}
