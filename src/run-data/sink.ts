// Sends the edge's events to the run-data Durable Objects: the visitor's shard, batched per isolate;
// or, where a queue is configured, the same batches onto a Cloudflare Queue, which delivers them at
// least once to the Worker's queue() handler (transport.ts). The tallies (the guardrails'
// measurements and the ledger) are added up in the same batcher and ride along with the events.
// An experiment's events go to `experiment:<id>:shard:<k>`, a holdout's to `holdout:<id>:shard:<k>`.
import { shardOf } from "../core/shards.ts";
import type { EventSink, TallySink } from "../edge/ports.ts";
import { type BatcherOptions, EventBatcher } from "./batcher.ts";
import type { RunDataObject } from "./run-data-object.ts";
import { type EventsMessage, enqueue, eventObjectName, messagesOf } from "./transport.ts";

export type RunDataNamespace = DurableObjectNamespace<RunDataObject>;

export interface RunDataSink<Env> {
  readonly sink: EventSink<Env>;
  readonly tallies: TallySink<Env>;
  readonly batcher: EventBatcher;
}

export function runDataSink<Env>(
  namespace: (env: Env) => RunDataNamespace | undefined,
  options: Omit<BatcherOptions, "send"> = {},
  queue: (env: Env) => Queue<EventsMessage> | undefined = () => undefined,
): RunDataSink<Env> {
  let ns: RunDataNamespace | undefined;
  let q: Queue<EventsMessage> | undefined;
  const batcher = new EventBatcher({
    ...options,
    send: async (name, shard, events, tallies) => {
      if (q !== undefined) return enqueue(q, messagesOf(name, shard, events, tallies));
      if (ns === undefined) return;
      await ns.get(ns.idFromName(name)).ingest(shard, events, tallies);
    },
  });
  const sink: EventSink<Env> = (event, shards, env, ctx) => {
    ns = namespace(env);
    q = queue(env);
    if (ns === undefined && q === undefined) return;
    const shard = shardOf(event.visitorId, shards);
    batcher.add(eventObjectName(event, shard), shard, event, ctx, shards);
  };
  const tallies: TallySink<Env> = {
    response(experiment, variant, status, ms, env, ctx) {
      ns = namespace(env);
      q = queue(env);
      if (ns === undefined && q === undefined) return;
      batcher.tallyFor(experiment.id, experiment.shards, ctx).response(experiment.epoch, variant, status, ms);
    },
    notCounted(experiment, variant, reason, env, ctx) {
      ns = namespace(env);
      q = queue(env);
      if (ns === undefined && q === undefined) return;
      batcher.tallyFor(experiment.id, experiment.shards, ctx).notCountedRequest(experiment.epoch, variant, reason);
    },
  };
  return { sink, tallies, batcher };
}

/** Options of `runDataEvents`: how the isolate batches events (flush delay, batch size, buffer bound, log). */
export type RunDataEventsOptions = Omit<BatcherOptions, "send">;

/**
 * The sink that counts: sends the edge's exposures and conversions to the run-data Durable Objects
 * (class `RunDataObject`) bound at `namespace(env)`, batched per isolate. Hand it to `createEdge`'s or
 * the Hono middleware's `events`. A namespace that is not bound counts nothing and breaks nothing.
 */
export function runDataEvents<Env>(
  namespace: (env: Env) => RunDataNamespace | undefined,
  options: RunDataEventsOptions = {},
): EventSink<Env> {
  return runDataSink(namespace, options).sink;
}
