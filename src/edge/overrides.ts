// Applies a variant's inline overrides to an HTML response as it streams, with Workers' HTMLRewriter:
// no buffering of the page, no script in the browser, no flicker. Only text/html is touched.
//
// Guarded (the experiment does not allow script overrides), an override never writes text or HTML
// into an element whose content is code or raw text (a selector that happens to match a <script>), and
// sets an attribute only where the allow-list permits it on that element. What a value itself writes
// was checked once per published config (core/markup-policy.ts `unsafeOverride`, in compileConfig).
import { attributeAllowed, NEVER_WRITTEN } from "../core/markup-policy.ts";
import type { OverrideFields as Override } from "../core/override-rules.ts";

type Write = (el: Element) => void;

function writeOf(o: Override): Write {
  const value = o.value ?? "";
  switch (o.action) {
    case "set_text":
      return (el) => void el.setInnerContent(value, { html: false });
    case "set_html":
      return (el) => void el.setInnerContent(value, { html: true });
    case "set_attribute":
      return (el) => void el.setAttribute(o.attribute ?? "", value);
    case "remove":
      return (el) => void el.remove();
    case "append":
      return (el) => void el.append(value, { html: true });
    case "prepend":
      return (el) => void el.prepend(value, { html: true });
  }
}

function handlerFor(o: Override, guarded: boolean): HTMLRewriterElementContentHandlers {
  const write = writeOf(o);
  if (!guarded || o.action === "remove") return { element: write };
  if (o.action === "set_attribute") {
    const name = (o.attribute ?? "").toLowerCase();
    return { element: (el) => void (attributeAllowed(name, el.tagName) && write(el)) };
  }
  return { element: (el) => void (NEVER_WRITTEN.has(el.tagName) || write(el)) };
}

export function isHtml(res: Response): boolean {
  return /^\s*text\/html\b/i.test(res.headers.get("content-type") ?? "");
}

/**
 * The response with `overrides` applied in order, or unchanged when it is not HTML. Throws on a bad
 * selector. `guarded` unless the experiment allows script overrides.
 */
export function applyOverrides(res: Response, overrides: readonly Override[], guarded = true): Response {
  if (!isHtml(res) || res.body === null) return res;
  let rewriter = new HTMLRewriter();
  for (const o of overrides) rewriter = rewriter.on(o.selector, handlerFor(o, guarded));
  const out = rewriter.transform(res);
  // The edited page has another length; a cache must not serve it with the origin's validators.
  const headers = new Headers(out.headers);
  headers.delete("content-length");
  headers.delete("etag");
  return new Response(out.body, { status: out.status, statusText: out.statusText, headers });
}
