// How events reach run-data, beside the isolate's batcher (sink.ts): written straight into the shards
// before the answer (`stored`), or through a Cloudflare Queue that delivers them at least once
// (`queued`) to the Worker's `queue()` handler, which ingests them and has the queue retry what failed.
// Delivering twice is harmless: run-data counts a visitor once per epoch and a conversion once per goal.
import { shardOf } from "../core/shards.ts";
import type { RunEvent, ShardedEvent } from "../edge/ports.ts";
import { holdoutDataObjectName, runDataObjectName } from "../names.ts";
import type { RunDataObject } from "./run-data-object.ts";
import type { TallyBatch } from "./tallies.ts";

type RunDataNamespace = DurableObjectNamespace<RunDataObject>;

/** One queue message: events of one shard of one experiment, and the tallies that rode with them. */
export interface EventsMessage {
  readonly v: 1;
  /** The run-data object's name (names.ts). */
  readonly object: string;
  readonly shard: number;
  readonly events: readonly RunEvent[];
  /** The guardrails' measurements and the ledger's notes of the same batch (its id makes a resend harmless). */
  readonly tallies?: TallyBatch;
}

/**
 * Events per message. A message may hold 128 KB and a sendBatch 256 KB; 50 events of 256-character
 * visitor ids are about 20 KB, so a batch of five messages stays well inside both.
 */
export const EVENTS_PER_MESSAGE = 50;
const MESSAGES_PER_SEND = 5;

/** The run-data object an event goes to: its experiment's shard, or its holdout's. */
export function eventObjectName(event: RunEvent, shard: number): string {
  return event.kind === "holdout_exposure" || event.kind === "holdout_conversion"
    ? holdoutDataObjectName(event.holdoutId, shard)
    : runDataObjectName(event.experimentId, shard);
}

/** Groups events by the run-data object of their visitor's shard. */
function byObject(events: readonly ShardedEvent[]): Map<string, { shard: number; events: RunEvent[] }> {
  const out = new Map<string, { shard: number; events: RunEvent[] }>();
  for (const { event, shards } of events) {
    const shard = shardOf(event.visitorId, shards);
    const name = eventObjectName(event, shard);
    let group = out.get(name);
    if (group === undefined) {
      group = { shard, events: [] };
      out.set(name, group);
    }
    group.events.push(event);
  }
  return out;
}

/** The messages that carry `events` of one object, the batch's tallies (if any) with the first. */
export function messagesOf(object: string, shard: number, events: readonly RunEvent[], tallies?: TallyBatch): EventsMessage[] {
  const out: EventsMessage[] = [];
  for (let i = 0; i < events.length; i += EVENTS_PER_MESSAGE)
    out.push({ v: 1, object, shard, events: events.slice(i, i + EVENTS_PER_MESSAGE) });
  if (tallies !== undefined) {
    const first = out[0];
    if (first === undefined) out.push({ v: 1, object, shard, events: [], tallies });
    else out[0] = { ...first, tallies };
  }
  return out;
}

/** Sends messages to the queue, a few per call; resolves once the queue has taken them all. */
export async function enqueue(queue: Queue<EventsMessage>, messages: readonly EventsMessage[]): Promise<void> {
  for (let i = 0; i < messages.length; i += MESSAGES_PER_SEND) {
    await queue.sendBatch(messages.slice(i, i + MESSAGES_PER_SEND).map((body) => ({ body, contentType: "json" })));
  }
}

/** Writes `events` into their shards now; resolves once every shard has stored its part. */
export async function storeInRunData(ns: RunDataNamespace, events: readonly ShardedEvent[]): Promise<"stored"> {
  await Promise.all([...byObject(events)].map(([name, g]) => ns.get(ns.idFromName(name)).ingest(g.shard, g.events)));
  return "stored";
}

/** Puts `events` on the queue; resolves once the queue holds them (it then delivers them at least once). */
export async function storeInQueue(queue: Queue<EventsMessage>, events: readonly ShardedEvent[]): Promise<"queued"> {
  const messages = [...byObject(events)].flatMap(([name, g]) => messagesOf(name, g.shard, g.events));
  await enqueue(queue, messages);
  return "queued";
}

function isEvent(e: unknown): e is RunEvent {
  if (typeof e !== "object" || e === null) return false;
  const r = e as Record<string, unknown>;
  const common =
    Number.isSafeInteger(r.experimentId) &&
    Number.isSafeInteger(r.epoch) &&
    typeof r.visitorId === "string" &&
    r.visitorId.length <= 256 &&
    typeof r.at === "number";
  return (
    common &&
    ((r.kind === "exposure" && typeof r.variant === "string") ||
      (r.kind === "conversion" && typeof r.goal === "string" && (r.value === undefined || isValue(r.value))))
  );
}

/** A value event's value, as the edge writes it (ports.ts EventValue). */
function isValue(v: unknown): boolean {
  if (typeof v !== "object" || v === null) return false;
  const r = v as Record<string, unknown>;
  return Number.isSafeInteger(r.cents) && typeof r.id === "string" && (r.capCents === null || Number.isSafeInteger(r.capCents));
}

/** Tallies as the batcher writes them (tallies.ts TallyBatch). */
function isTallies(t: unknown): t is TallyBatch {
  if (typeof t !== "object" || t === null) return false;
  const r = t as Record<string, unknown>;
  return typeof r.id === "string" && Number.isSafeInteger(r.experimentId) && Array.isArray(r.responses) && Array.isArray(r.notCounted);
}

/** A queue message's body, if it is one this Worker wrote. */
export function readMessage(body: unknown): EventsMessage | null {
  if (typeof body !== "object" || body === null) return null;
  const m = body as Record<string, unknown>;
  if (m.v !== 1 || typeof m.object !== "string" || !Number.isSafeInteger(m.shard) || !Array.isArray(m.events)) return null;
  if (m.tallies !== undefined && !isTallies(m.tallies)) return null;
  return m.events.every(isEvent) ? (m as unknown as EventsMessage) : null;
}

/**
 * The queue consumer: ingests each object's messages in one call, acknowledges them when run-data has
 * them, and has the queue retry them (with backoff) when it did not. A message this Worker did not
 * write is acknowledged and logged, not retried forever.
 */
export async function consumeEvents(
  batch: MessageBatch<unknown>,
  ns: RunDataNamespace | undefined,
  log: (message: string, error?: unknown) => void = (m, e) => console.warn(m, e ?? ""),
): Promise<void> {
  const groups = new Map<string, { shard: number; messages: Message<unknown>[]; events: RunEvent[]; tallies: TallyBatch[] }>();
  for (const message of batch.messages) {
    const body = readMessage(message.body);
    if (body === null) {
      log(`sgen-ab: a queue message that is not an events message was dropped (${message.id})`);
      message.ack();
      continue;
    }
    let group = groups.get(body.object);
    if (group === undefined) {
      group = { shard: body.shard, messages: [], events: [], tallies: [] };
      groups.set(body.object, group);
    }
    group.messages.push(message);
    group.events.push(...body.events);
    if (body.tallies !== undefined) group.tallies.push(body.tallies);
  }
  await Promise.all(
    [...groups].map(async ([name, g]) => {
      try {
        if (ns === undefined) throw new Error("the run-data binding SGEN_RUN_DATA is missing");
        const shard = ns.get(ns.idFromName(name));
        // The events in one call with the first tallies; further tallies (each its own batch) after them.
        const [first, ...rest] = g.tallies;
        await shard.ingest(g.shard, g.events, first);
        for (const t of rest) await shard.ingest(g.shard, [], t);
        for (const m of g.messages) m.ack();
      } catch (err) {
        log(`sgen-ab: ${g.events.length} queued events for ${name} not stored; the queue retries them`, err);
        for (const m of g.messages) m.retry({ delaySeconds: Math.min(60, 2 ** m.attempts) });
      }
    }),
  );
}
