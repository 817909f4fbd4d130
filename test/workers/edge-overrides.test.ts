// Inline overrides applied at the edge with HTMLRewriter, as the page streams.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Override } from "../../src/core/schema.ts";
import { edgeWith, experiment } from "./helpers.ts";

const HOME = `<!doctype html><html><head><title>Home</title></head><body><h1 id="headline">Ship faster</h1><p class="promo">Free for 30 days.</p><a class="cta" href="/signup">Start</a><ul><li>one</li></ul></body></html>`;

async function variantB(overrides: Override[], origin?: (r: Request) => Promise<Response>) {
  const t = await edgeWith(
    [
      experiment({
        target_page: "/",
        variants: [
          { slug: "a", traffic_share: 50 },
          { slug: "b", traffic_share: 50, overrides },
        ],
      }),
    ],
    {},
    origin ??
      (async () =>
        new Response(HOME, {
          headers: { "content-type": "text/html; charset=utf-8", "content-length": String(HOME.length), etag: '"v1"' },
        })),
  );
  return (variant = "b") => t.fetch("/", { headers: { cookie: `sgen-vid=v; sgen-ab-pricing-page-layout=${variant}` } });
}

describe("inline overrides", () => {
  it("applies each action, in order, to variant b only", async () => {
    const get = await variantB([
      { selector: "h1#headline", action: "set_text", value: "Ship <faster> today" },
      { selector: "p.promo", action: "remove" },
      { selector: "a.cta", action: "set_attribute", attribute: "href", value: "/signup?from=b" },
      { selector: "ul", action: "append", value: "<li>two</li>" },
      { selector: "ul", action: "prepend", value: "<li>zero</li>" },
      { selector: "title", action: "set_html", value: "Home <b>B</b>" },
    ]);
    const b = await get("b");
    const html = await b.text();
    expect(html).toContain(`<h1 id="headline">Ship &lt;faster&gt; today</h1>`);
    expect(html).not.toContain("promo");
    expect(html).toContain(`href="/signup?from=b"`);
    expect(html).toContain("<ul><li>zero</li><li>one</li><li>two</li></ul>");
    expect(html).toContain("<title>Home <b>B</b></title>");
    expect(b.headers.get("content-length")).toBeNull();
    expect(b.headers.get("etag")).toBeNull();
    expect(b.headers.get("cache-control")).toMatch(/private/);
    expect(await (await get("a")).text()).toBe(HOME);
  });

  it("serves the page unchanged when a selector matches nothing", async () => {
    const get = await variantB([{ selector: "section.nowhere", action: "remove" }]);
    expect(await (await get()).text()).toBe(HOME);
  });

  it("leaves non-HTML responses untouched", async () => {
    const json = '{"h1":"x"}';
    const get = await variantB(
      [{ selector: "h1", action: "set_text", value: "changed" }],
      async () => new Response(json, { headers: { "content-type": "application/json" } }),
    );
    expect(await (await get()).text()).toBe(json);
  });

  it("streams: the first bytes reach the visitor before the origin has sent the last", async () => {
    let finish: () => void = () => {};
    const origin = async () => {
      const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
      const w = writable.getWriter();
      const enc = new TextEncoder();
      void w.write(enc.encode(`<html><body><h1 id="headline">Old</h1>${"<p>filler</p>".repeat(2000)}`));
      finish = () => {
        void w.write(enc.encode("<p>the end</p></body></html>")).then(() => w.close());
      };
      return new Response(readable, { headers: { "content-type": "text/html" } });
    };
    const t = await edgeWith(
      [
        experiment({
          target_page: "/",
          variants: [
            { slug: "a", traffic_share: 50 },
            { slug: "b", traffic_share: 50, overrides: [{ selector: "h1", action: "set_text", value: "New" }] },
          ],
        }),
      ],
      {},
      origin,
    );
    const ctx = createExecutionContext();
    const res = await t.edge.handle(
      new Request("http://site.test/", { headers: { cookie: "sgen-vid=v; sgen-ab-pricing-page-layout=b" } }),
      env,
      ctx,
      origin,
    );
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let first = "";
    while (!first.includes("filler")) first += new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain(`<h1 id="headline">New</h1>`); // edited and delivered while the origin is still open
    expect(first).not.toContain("the end");
    finish();
    let rest = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toContain("the end");
    await waitOnExecutionContext(ctx);
  });

  it("a selector the runtime refuses fails open to the unedited page", async () => {
    // Published configs are validated, but a hand-written one might not be: bypass the schema here.
    const t = await edgeWith([], {}, async () => new Response(HOME, { headers: { "content-type": "text/html" } }));
    const exp = experiment({
      target_page: "/",
      variants: [
        { slug: "a", traffic_share: 50 },
        { slug: "b", traffic_share: 50, overrides: [{ selector: "h1", action: "remove" }] },
      ],
    });
    await t.store.put(
      JSON.stringify({ schema_version: 1, revision: 1, published_at: new Date().toISOString(), experiments: [exp] }).replace(
        '"selector":"h1"',
        '"selector":"h1:last-child"',
      ),
    );
    const res = await t.fetch("/", { headers: { cookie: "sgen-vid=v; sgen-ab-pricing-page-layout=b" } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(HOME); // the config is refused as a whole (kv-schema), so nothing is edited
  });
});
