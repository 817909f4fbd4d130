// The floor: the least any edge Worker must do to serve an A/B variant under the original URL, written
// by hand for the benchmark's one experiment, with nothing configurable and nothing counted. A returning
// visitor's cookie picks the page; a new visitor gets an id and an assignment (a toy hash) and two
// cookies; the variant page is fetched from its own path and the response is rewrapped, because a fetched
// response's headers cannot be changed, to add Set-Cookie and Cache-Control: private. What sgen-ab costs
// above this is its own; what this costs above the passthrough is the runtime's.
const COOKIE = "sgen-ab-pricing-page-layout=";
// The same cookies, byte for byte, as sgen-ab sets (header bytes are not free: see bench/README.md).
const VISITOR_ATTRS = "; Max-Age=34560000; Path=/; HttpOnly; SameSite=Lax";
const ASSIGNMENT_ATTRS = "; Max-Age=7776000; Path=/; SameSite=Lax";

export default {
  async fetch(request, env) {
    const url = request.url;
    if (!url.endsWith("/pricing")) return env.ORIGIN.fetch(request);
    const cookie = request.headers.get("cookie") ?? "";
    const at = cookie.indexOf(COOKIE);
    let variant;
    let id;
    if (at >= 0) variant = cookie.charAt(at + COOKIE.length);
    else {
      id = crypto.randomUUID();
      variant = id.charCodeAt(0) & 1 ? "b" : "a";
    }
    const upstream =
      variant === "b"
        ? await env.ORIGIN.fetch(new Request(`${url}-b`, { method: request.method, headers: request.headers, redirect: "manual" }))
        : await env.ORIGIN.fetch(request);
    const res = new Response(upstream.body, upstream);
    if (id !== undefined) {
      res.headers.append("set-cookie", `sgen-vid=${id}${VISITOR_ATTRS}`);
      res.headers.append("set-cookie", `${COOKIE}${variant}${ASSIGNMENT_ATTRS}`);
    }
    res.headers.set("cache-control", "private, no-cache");
    return res;
  },
};
