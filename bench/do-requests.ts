// npm run bench:do-requests: Durable Object requests per 1,000 page views, and the busiest object's
// requests per second, as the edge's batching makes them at 1, 100 and 10,000 new visitors a second.
// Simulated, in Node, with a virtual clock: N isolates, each a real EventBatcher and the edge's real
// sink routing (shard by visitor, one object per experiment and shard), each receiving its share of the
// traffic as Poisson arrivals; one in ten visitors converts on a second page view 5 s later, in the same
// isolate. A send is counted when the batcher makes it (one request to one object) and succeeds at once.
//
// How many isolates serve a rate is Cloudflare's choice (many locations, several isolates each), so
// every rate is run over a range of isolate counts: the fewer, the larger each batch.

import { shardOf } from "../src/core/shards.ts";
import type { RunEvent } from "../src/edge/ports.ts";
import { runDataObjectName } from "../src/names.ts";
import { EventBatcher } from "../src/run-data/batcher.ts";

const SECONDS = Number(process.env.SIM_SECONDS ?? 20);
const SHARDS = 4; // the default shard count (SGEN_RUN_DATA_SHARDS)
const CONVERTING = 0.1;
/** Cloudflare's documented soft limit for one Durable Object, in requests a second. */
const OBJECT_SOFT_LIMIT = 1_000;

// A virtual clock: the batcher's setTimeout calls land in this queue and fire in time order.
interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}
let now = 0;
let seq = 0;
const timers: Timer[] = [];
const realSetImmediate = globalThis.setImmediate;
globalThis.setTimeout = ((fn: () => void, ms = 0) => {
  timers.push({ at: now + ms, seq: seq++, fn });
  return 0;
}) as unknown as typeof setTimeout;
Date.now = () => Math.floor(now);
const settle = () => new Promise<void>((r) => realSetImmediate(r));

function popTimer(): Timer | undefined {
  let best = -1;
  for (let i = 0; i < timers.length; i++) {
    const t = timers[i] as Timer;
    const b = timers[best] as Timer | undefined;
    if (b === undefined || t.at < b.at || (t.at === b.at && t.seq < b.seq)) best = i;
  }
  return best < 0 ? undefined : timers.splice(best, 1)[0];
}

interface Outcome {
  rate: number;
  isolates: number;
  shards: number;
  pageViews: number;
  requests: number;
  eventsPerRequest: number;
  busiestObjectPerSecond: number;
}

async function simulate(rate: number, isolates: number, shards: number): Promise<Outcome> {
  now = 0;
  timers.length = 0;
  const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} } as unknown as ExecutionContext;
  let requests = 0;
  let events = 0;
  const perObjectSecond = new Map<string, number>();
  const batchers = Array.from(
    { length: isolates },
    () =>
      new EventBatcher({
        send: async (name, _shard, batch: RunEvent[]) => {
          requests++;
          events += batch.length;
          const key = `${name}@${Math.floor(now / 1000)}`;
          perObjectSecond.set(key, (perObjectSecond.get(key) ?? 0) + 1);
        },
        log: () => {},
      }),
  );
  // Arrivals: each isolate's share of the rate, as a Poisson process (exponential gaps).
  const arrivals: Array<{ at: number; isolate: number; id: string; conversion: boolean }> = [];
  for (let i = 0; i < isolates; i++) {
    const perMs = rate / isolates / 1000;
    for (let t = -Math.log(1 - Math.random()) / perMs; t < SECONDS * 1000; t += -Math.log(1 - Math.random()) / perMs) {
      const id = crypto.randomUUID();
      arrivals.push({ at: t, isolate: i, id, conversion: false });
      if (Math.random() < CONVERTING && t + 5_000 < SECONDS * 1000) arrivals.push({ at: t + 5_000, isolate: i, id, conversion: true });
    }
  }
  arrivals.sort((a, b) => a.at - b.at);
  const experimentId = 1;
  for (const a of arrivals) {
    // Fire every timer due before this arrival, letting the flushes they start run.
    for (let t = popTimer(); t !== undefined; t = popTimer()) {
      if (t.at > a.at) {
        timers.push(t);
        break;
      }
      now = t.at;
      t.fn();
      await settle();
    }
    now = a.at;
    const shard = shardOf(a.id, shards);
    const event: RunEvent = a.conversion
      ? { kind: "conversion", experimentId, epoch: 0, visitorId: a.id, goal: "page_view:/thanks", at: now }
      : { kind: "exposure", experimentId, epoch: 0, visitorId: a.id, variant: "a", at: now };
    (batchers[a.isolate] as EventBatcher).add(runDataObjectName(experimentId, shard), shard, event, ctx, shards);
  }
  for (let t = popTimer(); t !== undefined; t = popTimer()) {
    now = t.at;
    t.fn();
    await settle();
  }
  await Promise.all(batchers.map((b) => b.flushAll()));
  return {
    rate,
    isolates,
    shards,
    pageViews: arrivals.length,
    requests,
    eventsPerRequest: events / Math.max(1, requests),
    busiestObjectPerSecond: Math.max(0, ...perObjectSecond.values()),
  };
}

// [new visitors a second, isolates, shards]; the last line takes the README's rule for the shard count
// (shards ≥ isolates sending × 5 / 500) where the default of 4 is too few.
const grid: Array<[number, number, number]> = [
  [1, 1, SHARDS],
  [1, 10, SHARDS],
  [100, 1, SHARDS],
  [100, 10, SHARDS],
  [100, 100, SHARDS],
  [10_000, 1, SHARDS],
  [10_000, 10, SHARDS],
  [10_000, 100, SHARDS],
  [10_000, 1_000, SHARDS],
  [10_000, 1_000, 10],
];
console.log(
  `Simulated ${SECONDS} s per line, ${SHARDS} run-data shards, ${CONVERTING * 100}% of visitors converting; flush every 200 ms or at 500 events per object per isolate.\n`,
);
console.log(
  "| new visitors/s | isolates | shards | page views | DO requests per 1,000 page views | events per request | busiest object, requests/s (soft limit 1,000) |",
);
console.log("|---|---|---|---|---|---|---|");
const out: Outcome[] = [];
for (const [rate, isolates, shards] of grid) {
  const r = await simulate(rate, isolates, shards);
  out.push(r);
  const over = r.busiestObjectPerSecond > OBJECT_SOFT_LIMIT ? " ✗" : "";
  console.log(
    `| ${rate.toLocaleString("en")} | ${isolates.toLocaleString("en")} | ${shards} | ${r.pageViews.toLocaleString("en")} | ${((1000 * r.requests) / r.pageViews).toFixed(1)} | ${r.eventsPerRequest.toFixed(1)} | ${r.busiestObjectPerSecond}${over} |`,
  );
}
if (process.env.SIM_JSON !== undefined) console.log(JSON.stringify(out));
