// Events out (docs/metrics.md, "Events out"): every event run-data COUNTED, from the rows it wrote, to
// Workers Analytics Engine (binding SGEN_ANALYTICS) and/or a Queue (SGEN_EVENTS_OUT), for warehouse
// analysis at a scale no Durable Object should hold. Repeats, visitors outside the sample and
// everything else run-data refused never leave; so counting the stream gives run-data's counts.
//
// Analytics Engine data point (one per counted event):
//   index1  the experiment id (the sampling key: one experiment's points are sampled together)
//   blob1   kind: "exposure" | "conversion" | "value"
//   blob2   variant slug
//   blob3   goal key ('' for an exposure)
//   blob4   visitor id
//   double1 epoch
//   double2 value in currency units: for "value", what the event added to the variant's sum (after the
//           cap); 0 otherwise
//   double3 the event's time (ms since the epoch of 1970)

/** One counted event, as a Queue message (JSON). */
export interface CountedEvent {
  kind: "exposure" | "conversion" | "value";
  experiment_id: number;
  epoch: number;
  variant: string;
  /** The goal key (`page_view:/thanks`, `sum:purchase`); null for an exposure. */
  goal: string | null;
  visitor_id: string;
  /** For `value`: what the event added to the variant's sum, in currency units (after the cap); else null. */
  value: number | null;
  /** The event's time, ms. */
  at: number;
}

/** What run-data needs of an Analytics Engine dataset (the binding has this method). */
export interface DataPointWriter {
  writeDataPoint(point: { indexes?: string[]; blobs?: string[]; doubles?: number[] }): void;
}

/** What run-data needs of a Queue producer. */
export interface EventQueue {
  sendBatch(messages: Iterable<{ body: CountedEvent }>): Promise<void>;
}

export interface EventsOutEnv {
  /** Workers Analytics Engine dataset: every counted event as a data point. */
  SGEN_ANALYTICS?: DataPointWriter;
  /** A Cloudflare Queue: every counted event as a message. */
  SGEN_EVENTS_OUT?: EventQueue;
}

export function dataPoint(e: CountedEvent): { indexes: string[]; blobs: string[]; doubles: number[] } {
  return {
    indexes: [String(e.experiment_id)],
    blobs: [e.kind, e.variant, e.goal ?? "", e.visitor_id],
    doubles: [e.epoch, e.value ?? 0, e.at],
  };
}

/** Queues take at most 100 messages a batch. */
const QUEUE_BATCH = 100;

/**
 * Sends the counted events on. Never throws: the counts are already written, and a stream that
 * failed is logged, not allowed to undo them (the stream is at most once; run-data stays the record).
 */
export async function sendCounted(
  env: EventsOutEnv,
  events: readonly CountedEvent[],
  log: (m: string, e?: unknown) => void,
): Promise<void> {
  if (events.length === 0) return;
  const analytics = env.SGEN_ANALYTICS;
  if (analytics !== undefined) {
    try {
      for (const e of events) analytics.writeDataPoint(dataPoint(e));
    } catch (err) {
      log("sgen-ab run-data: Analytics Engine refused a data point", err);
    }
  }
  const queue = env.SGEN_EVENTS_OUT;
  if (queue !== undefined) {
    for (let i = 0; i < events.length; i += QUEUE_BATCH) {
      try {
        await queue.sendBatch(events.slice(i, i + QUEUE_BATCH).map((body) => ({ body })));
      } catch (err) {
        log(`sgen-ab run-data: ${Math.min(QUEUE_BATCH, events.length - i)} counted events could not be queued`, err);
      }
    }
  }
}

/** The visitor id from its stored key: the 16 bytes of a packed UUID back to its text, any other id as stored. */
export function visitorIdOf(stored: unknown): string {
  if (typeof stored === "string") return stored;
  if (stored instanceof ArrayBuffer || ArrayBuffer.isView(stored)) {
    const bytes =
      stored instanceof ArrayBuffer ? new Uint8Array(stored) : new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength);
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  return String(stored);
}
