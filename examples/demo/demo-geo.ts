// DEMO ONLY, never part of the library: `wrangler dev` cannot look up a request's location when it runs
// offline and gives every request the same placeholder `request.cf` (Austin, Texas, US, NA), so
// audiences by country, region, city or continent could not be tried locally. The demo Worker lets a
// request say where it comes from, with a query parameter or a header, and puts that into
// `request.cf` (over the placeholder) before sgen-ab sees the request:
//
//   curl 'http://localhost:8787/pricing?demo-country=DE'
//   curl -H 'x-demo-country: DE' -H 'x-demo-city: Berlin' http://localhost:8787/pricing
//
// Names: demo-country, demo-continent, demo-region-code, demo-region, demo-city (query), and the same
// with an `x-` prefix (headers). A deployed Worker gets `request.cf` from Cloudflare and has none of this.
const FIELDS = [
  ["country", "country"],
  ["continent", "continent"],
  ["region-code", "regionCode"],
  ["region", "region"],
  ["city", "city"],
] as const;

/** The request with the location it names put into `request.cf`, or the request itself when it names none. */
export function withDemoGeo(request: Request): Request {
  const query = request.url.includes("demo-") ? new URL(request.url).searchParams : null;
  let geo: Record<string, string> | undefined;
  for (const [name, key] of FIELDS) {
    const value = query?.get(`demo-${name}`) ?? request.headers.get(`x-demo-${name}`);
    if (value === null || value === "") continue;
    geo ??= {};
    geo[key] = value;
  }
  if (geo === undefined) return request;
  const cf = { ...((request as { cf?: object }).cf ?? {}), ...geo };
  return new Request(request, { cf } as RequestInit);
}
