// One Worker, many ways of answering the same page, chosen by the query string: what each step an edge
// A/B layer takes costs the runtime, measured against forwarding the request untouched (?direct).
const VISITOR = "sgen-vid=3f2b8c1e-9d4a-4e7b-8a61-2c5d7e9f0a1b; Max-Age=34560000; Path=/; HttpOnly; SameSite=Lax";
const ASSIGNMENT = "sgen-ab-pricing-page-layout=b; Max-Age=7776000; Path=/; SameSite=Lax";

const steps = {
  // Forward the request, return the subrequest's response: the passthrough.
  direct: (request, env) => env.ORIGIN.fetch(request),
  // Run JavaScript again once the origin answers, and return its response as it is.
  "js-again": (request, env) => env.ORIGIN.fetch(request).then((r) => r),
  // Rewrap the response (a fetched response's headers cannot be changed) but change nothing.
  rewrap: (request, env) => env.ORIGIN.fetch(request).then((r) => new Response(r.body, r)),
  // Rewrap and set Cache-Control: what a returning visitor's page needs.
  "cache-control": (request, env) =>
    env.ORIGIN.fetch(request).then((r) => {
      const res = new Response(r.body, r);
      res.headers.set("cache-control", "private, no-cache");
      return res;
    }),
  // Rewrap and add the two Set-Cookie headers of a new visitor (and nothing else).
  "set-cookies": (request, env) =>
    env.ORIGIN.fetch(request).then((r) => {
      const res = new Response(r.body, r);
      res.headers.append("set-cookie", VISITOR);
      res.headers.append("set-cookie", ASSIGNMENT);
      return res;
    }),
  // Fetch another path with a new Request carrying the visitor's headers: a variant page.
  "variant-request": (request, env) =>
    env.ORIGIN.fetch(
      new Request(`${request.url.slice(0, request.url.indexOf("?"))}-b`, {
        method: request.method,
        headers: request.headers,
        redirect: "manual",
      }),
    ),
  // The override path: HTMLRewriter over the same page with no handler, one, two (what the benchmark's
  // override variant does), and two plus the header copy and second Response the edge used to make.
  "rewriter-none": (request, env) => env.ORIGIN.fetch(request).then((r) => new HTMLRewriter().transform(r)),
  "rewriter-one": (request, env) =>
    env.ORIGIN.fetch(request).then((r) =>
      new HTMLRewriter().on("h1#headline", { element: (el) => void el.setInnerContent("A new headline", { html: false }) }).transform(r),
    ),
  "rewriter-two": (request, env) =>
    env.ORIGIN.fetch(request).then((r) =>
      new HTMLRewriter()
        .on("h1#headline", { element: (el) => void el.setInnerContent("A new headline", { html: false }) })
        .on("p.promo", { element: (el) => void el.remove() })
        .transform(r),
    ),
  "rewriter-two-copied": (request, env) =>
    env.ORIGIN.fetch(request).then((r) => {
      const out = new HTMLRewriter()
        .on("h1#headline", { element: (el) => void el.setInnerContent("A new headline", { html: false }) })
        .on("p.promo", { element: (el) => void el.remove() })
        .transform(r);
      const headers = new Headers(out.headers);
      headers.delete("content-length");
      headers.delete("etag");
      const res = new Response(out.body, { status: out.status, statusText: out.statusText, headers });
      const again = new Response(res.body, res);
      again.headers.set("cache-control", "private, no-cache");
      return again;
    }),
  // The same, the transformed response's own headers edited in place (they are mutable).
  "rewriter-two-in-place": (request, env) =>
    env.ORIGIN.fetch(request).then((r) => {
      const out = new HTMLRewriter()
        .on("h1#headline", { element: (el) => void el.setInnerContent("A new headline", { html: false }) })
        .on("p.promo", { element: (el) => void el.remove() })
        .transform(r);
      out.headers.delete("content-length");
      out.headers.delete("etag");
      out.headers.set("cache-control", "private, no-cache");
      return out;
    }),
  // A thousand calls of a one-line function, then the passthrough: whether the Worker's JavaScript is
  // optimised where it is measured (`BENCH_STEPS=js-calls npm run bench:instructions`; bench/README.md).
  "js-calls": (request, env) => {
    let n = request.url.length;
    for (let i = 0; i < 1000; i++) n = mix(n, i);
    return n === 0.5 ? new Response("") : env.ORIGIN.fetch(request);
  },
  // What reading a request or a response costs, each read ten times (divide by ten): every getter of a
  // Request or Response is a call into the runtime, and some copy what they return (bench/README.md).
  // Each step has its own loop: one helper shared by the steps, taking the read as a closure, counted
  // request.headers at 37k instead of 10k–14k in a launch (called with five closures, it is likely not
  // inlined), so the steps would measure the helper.
  "request-url-10": (request, env) => {
    let n = 0;
    for (let i = 0; i < 10; i++) if (request.url === "") n++;
    return n === 5 ? new Response("") : env.ORIGIN.fetch(request);
  },
  "request-headers-10": (request, env) => {
    let n = 0;
    for (let i = 0; i < 10; i++) if (request.headers === null) n++;
    return n === 5 ? new Response("") : env.ORIGIN.fetch(request);
  },
  "header-get-10": (request, env) => {
    const headers = request.headers;
    let n = 0;
    for (let i = 0; i < 10; i++) if (headers.get("user-agent") === "") n++;
    return n === 5 ? new Response("") : env.ORIGIN.fetch(request);
  },
  "response-headers-10": (request, env) =>
    env.ORIGIN.fetch(request).then((r) => {
      let n = 0;
      for (let i = 0; i < 10; i++) if (r.headers === null) n++;
      return n === 5 ? new Response("") : r;
    }),
  "response-status-10": (request, env) =>
    env.ORIGIN.fetch(request).then((r) => {
      let n = 0;
      for (let i = 0; i < 10; i++) if (r.status === 0) n++;
      return n === 5 ? new Response("") : r;
    }),
  // A new visitor's random id, then the passthrough.
  "random-uuid": (request, env) => (crypto.randomUUID() === "" ? new Response("") : env.ORIGIN.fetch(request)),
};

export default {
  fetch(request, env) {
    const url = request.url;
    const step = steps[url.slice(url.indexOf("?") + 1)];
    return step === undefined ? new Response(`steps: ${Object.keys(steps).join(", ")}`, { status: 404 }) : step(request, env);
  },
};

/** A step of a hash: small enough that an optimising compiler inlines it. */
function mix(n, i) {
  return (n * 31 + i) | 0;
}
