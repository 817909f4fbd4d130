// Applies a variant's inline overrides to an HTML response as it streams, with Workers' HTMLRewriter:
// no buffering of the page, no script in the browser, no flicker. Only text/html is touched.
import type { OverrideFields as Override } from "../core/override-rules.ts";

function handlerFor(o: Override): HTMLRewriterElementContentHandlers {
  const value = o.value ?? "";
  switch (o.action) {
    case "set_text":
      return { element: (el) => void el.setInnerContent(value, { html: false }) };
    case "set_html":
      return { element: (el) => void el.setInnerContent(value, { html: true }) };
    case "set_attribute":
      return { element: (el) => void el.setAttribute(o.attribute ?? "", value) };
    case "remove":
      return { element: (el) => void el.remove() };
    case "append":
      return { element: (el) => void el.append(value, { html: true }) };
    case "prepend":
      return { element: (el) => void el.prepend(value, { html: true }) };
  }
}

export function isHtml(res: Response): boolean {
  return /^\s*text\/html\b/i.test(res.headers.get("content-type") ?? "");
}

/** The response with `overrides` applied in order, or unchanged when it is not HTML. Throws on a bad selector. */
export function applyOverrides(res: Response, overrides: readonly Override[]): Response {
  if (!isHtml(res) || res.body === null) return res;
  let rewriter = new HTMLRewriter();
  for (const o of overrides) rewriter = rewriter.on(o.selector, handlerFor(o));
  const out = rewriter.transform(res);
  // The edited page has another length; a cache must not serve it with the origin's validators.
  const headers = new Headers(out.headers);
  headers.delete("content-length");
  headers.delete("etag");
  return new Response(out.body, { status: out.status, statusText: out.statusText, headers });
}
