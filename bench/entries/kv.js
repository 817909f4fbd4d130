// A Workers KV backend for raw workerd (the protocol Miniflare's KV speaks: GET/PUT /<key>), in
// memory, counting reads so the benchmark reports KV reads per 1,000 page views exactly.
const store = new Map(Object.entries(globalThis.__SEED__ ?? {}));
const counts = { reads: 0, writes: 0 };
export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/__kv/stats") return Response.json(counts);
    const key = decodeURIComponent(url.pathname.slice(1));
    if (request.method === "GET") {
      counts.reads++;
      const value = store.get(key);
      return value === undefined ? new Response("Not Found", { status: 404 }) : new Response(value);
    }
    if (request.method === "PUT") {
      counts.writes++;
      store.set(key, await request.text());
      return new Response(null, { status: 200 });
    }
    if (request.method === "DELETE") {
      store.delete(key);
      return new Response(null, { status: 200 });
    }
    return new Response("unsupported", { status: 400 });
  },
};
