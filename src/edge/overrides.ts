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
 * The response with `overrides` applied in order, or the same response when it is not HTML (`edited`
 * says which). Throws on a bad selector. `guarded` unless the experiment allows script overrides.
 *
 * An edited response is the rewriter's own new Response, whose headers may be changed in place: the
 * caller adds its headers to it rather than wrapping it once more (each new Response with copied
 * headers is a measurable share of the page's cost; bench/README.md, the override path).
 */
export function applyOverrides(res: Response, overrides: readonly Override[], guarded = true): { response: Response; edited: boolean } {
  if (!isHtml(res) || res.body === null) return { response: res, edited: false };
  let rewriter = new HTMLRewriter();
  for (const o of overrides) rewriter = rewriter.on(o.selector, handlerFor(o, guarded));
  const out = rewriter.transform(res);
  // The edited page has another length; a cache must not serve it with the origin's validators.
  out.headers.delete("content-length");
  out.headers.delete("etag");
  return { response: out, edited: true };
}
