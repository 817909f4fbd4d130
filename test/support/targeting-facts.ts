// RequestFacts over a plain request record (the cases' and the generators' format).
import type { RequestFacts } from "../../src/core/targeting/attributes.ts";
import type { PlainRequest } from "./targeting-reference.ts";

export function factsOf(r: PlainRequest): RequestFacts {
  return {
    url: r.url,
    header: (name) => r.headers[name] ?? null,
    cookie: (name) => (Object.hasOwn(r.cookies, name) ? r.cookies[name] : undefined),
    cf: r.cf,
  };
}
