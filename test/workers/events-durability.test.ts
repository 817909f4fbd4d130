// What a custom event's 202 means, said in the answer: `buffered` (this isolate holds it, run-data has
// it within the flush delay), `stored` (run-data had it before the answer left) or `queued` (a
// Cloudflare Queue holds it and delivers it at least once). The queue runs on Miniflare's own queues,
// declared for the tests in vitest.config.ts, with the demo Worker's queue() handler as the consumer.
import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { demoSite } from "../../examples/demo/site.ts";
import type { ExperimentInput } from "../../src/core/schema.ts";
import type { RunEvent } from "../../src/edge/ports.ts";
import { runDataObjectName } from "../../src/names.ts";
import { readRunData } from "../../src/run-data/client.ts";
import type { RunDataNamespace } from "../../src/run-data/sink.ts";
import { consumeEvents, type EventsMessage, storeInRunData } from "../../src/run-data/transport.ts";
import { createWorker, type SgenEnv } from "../../src/worker/index.ts";
import { api, created } from "./admin-helpers.ts";
import { edgeWith, experiment, setCookies } from "./helpers.ts";

const total = (counts: Record<string, number> | undefined) => Object.values(counts ?? {}).reduce((a, b) => a + b, 0);

async function visitor(t: Awaited<ReturnType<typeof edgeWith>>, slug: string): Promise<string> {
  const set = setCookies(await t.fetch("/pricing"));
  return `sgen-vid=${set.get("sgen-vid")?.value}; sgen-ab-${slug}=${set.get(`sgen-ab-${slug}`)?.value}`;
}

const signup = '{"events":[{"name":"signup"}]}';

/**
 * A custom goal, and a variant page the demo site serves: a visitor whose variant page fails gets the
 * control's page uncounted and no assignment, and could then convert nothing.
 */
const customGoalOnServedPages: Partial<ExperimentInput> = {
  conversion_event: { type: "custom", name: "signup" },
  variants: [
    { slug: "a", label: "Control", traffic_share: 50 },
    { slug: "b", label: "B", page: "/pricing-b", traffic_share: 50 },
  ],
};

describe("the acknowledgement of a custom event", () => {
  it("stored: run-data holds the conversion before the answer is sent (nothing left in the background)", async () => {
    const e = experiment({ conversion_event: { type: "custom", name: "signup" } });
    const t = await edgeWith([e], { storeEvents: () => (events) => storeInRunData(env.SGEN_RUN_DATA, events) });
    const cookie = await visitor(t, e.slug);
    // Handled without waiting on the context's background work: the answer alone is the promise.
    const ctx = createExecutionContext();
    const res = await t.edge.handle(
      new Request("http://site.test/__sgen/events", { method: "POST", body: signup, headers: { cookie } }),
      env,
      ctx,
      async (r) => demoSite(r),
    );
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 1, counted: 1, ack: "stored" });
    expect(total((await readRunData(env.SGEN_RUN_DATA, e.id, 0, 1)).conversions["custom:signup"])).toBe(1);
    await waitOnExecutionContext(ctx);
  });

  it("a store that fails answers 503 not_stored: the client may send again, which counts nothing twice", async () => {
    const e = experiment({ conversion_event: { type: "custom", name: "signup" } });
    let failing = true;
    const t = await edgeWith([e], {
      storeEvents: () => (events) => (failing ? Promise.reject(new Error("run-data down")) : storeInRunData(env.SGEN_RUN_DATA, events)),
    });
    const cookie = await visitor(t, e.slug);
    const post = () => t.fetch("/__sgen/events", { method: "POST", body: signup, headers: { cookie } });
    const refused = await post();
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("not_stored");
    failing = false;
    for (let i = 0; i < 3; i++) expect((await post()).status).toBe(202);
    expect(total((await readRunData(env.SGEN_RUN_DATA, e.id, 0, 1)).conversions["custom:signup"])).toBe(1);
  });

  it("the ready Worker stores before answering by default, and buffers with SGEN_EVENTS_ACK=buffered", async () => {
    const { id, input } = await created(customGoalOnServedPages);
    expect((await api("POST", `/experiments/${id}/start`)).status).toBe(200);
    for (const [ack, extra] of [
      ["stored", {}],
      ["stored", { SGEN_EVENTS_ACK: "stored" }],
      ["buffered", { SGEN_EVENTS_ACK: "buffered" }],
    ] as const) {
      const worker = createWorker<SgenEnv>({ origin: async (r) => demoSite(r) });
      const call = async (path: string, init?: RequestInit) => {
        const ctx = createExecutionContext();
        const res = await worker.fetch(new Request(`http://localhost:8787${path}`, init), { ...env, ...extra } as SgenEnv, ctx);
        return { res, ctx };
      };
      const page = await call(input.target_page);
      await waitOnExecutionContext(page.ctx);
      const set = setCookies(page.res);
      const cookie = `sgen-vid=${set.get("sgen-vid")?.value}; sgen-ab-${input.slug}=${set.get(`sgen-ab-${input.slug}`)?.value}`;
      const posted = await call("/__sgen/events", { method: "POST", body: signup, headers: { cookie } });
      expect(((await posted.res.json()) as { ack: string }).ack).toBe(ack);
      await waitOnExecutionContext(posted.ctx);
    }
  });
});

describe("Cloudflare Queues as the transport", () => {
  it("exposures and custom events travel through a real queue to the Worker's queue() handler and into run-data", async () => {
    const { id, input } = await created(customGoalOnServedPages);
    expect((await api("POST", `/experiments/${id}/start`)).status).toBe(200);
    // The real queue, watched: what the Worker puts on it is counted by kind on the way.
    const carried: Record<string, number> = { exposure: 0, conversion: 0 };
    const watched = (q: Queue<EventsMessage>): Queue<EventsMessage> =>
      ({
        send: (body: EventsMessage, o?: QueueSendOptions) => q.send(body, o),
        sendBatch: (messages: Iterable<MessageSendRequest<EventsMessage>>, o?: QueueSendBatchOptions) => {
          const list = [...messages];
          for (const m of list) for (const e of m.body.events) carried[e.kind] = (carried[e.kind] ?? 0) + 1;
          return q.sendBatch(list, o);
        },
      }) as Queue<EventsMessage>;
    const worker = createWorker<SgenEnv & { TEST_EVENTS_QUEUE: Queue<EventsMessage> }>({
      origin: async (r) => demoSite(r),
      eventsQueue: (e) => watched(e.TEST_EVENTS_QUEUE),
      runData: { flushDelayMs: 0 },
    });
    const call = async (path: string, init?: RequestInit) => {
      const ctx = createExecutionContext();
      const res = await worker.fetch(new Request(`http://localhost:8787${path}`, init), env as never, ctx);
      await waitOnExecutionContext(ctx);
      return res;
    };
    const cookies: string[] = [];
    for (let i = 0; i < 3; i++) {
      const set = setCookies(await call(input.target_page));
      cookies.push(`sgen-vid=${set.get("sgen-vid")?.value}; sgen-ab-${input.slug}=${set.get(`sgen-ab-${input.slug}`)?.value}`);
    }
    for (const cookie of cookies.slice(0, 2)) {
      const res = await call("/__sgen/events", { method: "POST", body: signup, headers: { cookie } });
      expect(await res.json()).toEqual({ accepted: 1, counted: 1, ack: "queued" });
    }
    // Nothing went to run-data directly: it arrives through the queue, at least once.
    const shards = 4; // SGEN_RUN_DATA_SHARDS' default, fixed at creation
    let run = await readRunData(env.SGEN_RUN_DATA, id, 0, shards);
    for (let wait = 0; wait < 100 && (total(run.samples) < 3 || total(run.conversions["custom:signup"]) < 2); wait++) {
      await new Promise((r) => setTimeout(r, 100));
      run = await readRunData(env.SGEN_RUN_DATA, id, 0, shards);
    }
    expect(total(run.samples)).toBe(3);
    expect(total(run.conversions["custom:signup"])).toBe(2);
    expect(carried).toEqual({ exposure: 3, conversion: 2 });
  });

  const exposure = (experimentId: number, visitorId: string): RunEvent => ({
    kind: "exposure",
    experimentId,
    epoch: 0,
    visitorId,
    variant: "a",
    at: Date.now(),
  });

  it("the consumer acknowledges what run-data stored, has the queue retry what failed, and drops what it did not write", async () => {
    const experimentId = 7_000_000 + Math.floor(Math.random() * 1_000_000);
    const object = runDataObjectName(experimentId, 0);
    const message = (id: string, body: unknown, attempts = 1) => ({ id, timestamp: Date.now(), attempts, body });
    const good = { v: 1, object, shard: 0, events: [exposure(experimentId, "q-1"), exposure(experimentId, "q-2")] } satisfies EventsMessage;

    const failing = {
      get: () => ({ ingest: () => Promise.reject(new Error("down")) }),
      idFromName: () => ({}),
    } as unknown as RunDataNamespace;
    const batch1 = createMessageBatch("sgen-events-test", [message("m1", good, 3), message("junk", { hello: "world" })]);
    const ctx1 = createExecutionContext();
    await consumeEvents(batch1, failing, () => {});
    const r1 = await getQueueResult(batch1, ctx1);
    expect(r1.retryMessages.map((m) => m.msgId)).toEqual(["m1"]);
    expect(r1.explicitAcks).toEqual(["junk"]);

    // Delivered again (at least once): run-data stores it, counting each visitor once however often it comes.
    const batch2 = createMessageBatch("sgen-events-test", [message("m1", good, 4), message("m1-again", good, 1)]);
    const ctx2 = createExecutionContext();
    await consumeEvents(batch2, env.SGEN_RUN_DATA);
    const r2 = await getQueueResult(batch2, ctx2);
    expect(r2.explicitAcks.sort()).toEqual(["m1", "m1-again"]);
    expect(r2.retryMessages).toEqual([]);
    expect(total((await readRunData(env.SGEN_RUN_DATA, experimentId, 0, 1)).samples)).toBe(2);
  });
});
