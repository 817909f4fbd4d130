// A recorder for the Workers tests, run by Miniflare in Node behind a service binding (vitest.config.ts):
// the catalog's webhook deliveries go through it (SGEN_WEBHOOK_EGRESS), and the test queue's consumer
// forwards the event stream's messages to it. Tests read back what it received.
//
// Webhooks: it answers by the hook URL's path: `/ok/…` 204; `/down/…` 500 always; `/fail-once/…` 500 the
// first time each URL is called, then 204. Everything received is kept under the URL's path.
// `GET http://recorder/__received?prefix=/ok/x` lists what arrived under a path prefix (oldest first);
// `POST http://recorder/__queue` is where the queue consumer posts messages;
// `GET http://recorder/__queue?experiment=<id>` lists those of one experiment.

interface Received {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
}

const hooks: Received[] = [];
const failedOnce = new Set<string>();
const queued: Array<{ experiment_id: number } & Record<string, unknown>> = [];

export async function recorder(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === "/__received") {
    const prefix = url.searchParams.get("prefix") ?? "/";
    return Response.json(hooks.filter((h) => new URL(h.url).pathname.startsWith(prefix)));
  }
  if (url.pathname === "/__queue" && request.method === "POST") {
    queued.push(...((await request.json()) as typeof queued));
    return new Response(null, { status: 204 });
  }
  if (url.pathname === "/__queue") {
    const id = Number(url.searchParams.get("experiment"));
    return Response.json(queued.filter((m) => m.experiment_id === id));
  }
  const headers: Record<string, string> = {};
  request.headers.forEach((v, k) => {
    headers[k] = v;
  });
  hooks.push({ url: request.url, method: request.method, headers, body: await request.text() });
  if (url.pathname.startsWith("/down/")) return new Response("down", { status: 500 });
  if (url.pathname.startsWith("/fail-once/") && !failedOnce.has(request.url)) {
    failedOnce.add(request.url);
    return new Response("try again", { status: 500 });
  }
  return new Response(null, { status: 204 });
}
