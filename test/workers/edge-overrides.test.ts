// Inline overrides applied at the edge with HTMLRewriter, as the page streams.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Override } from "../../src/core/schema.ts";
import { edgeWith, experiment, setCookies } from "./helpers.ts";

const HOME = `<!doctype html><html><head><title>Home</title></head><body><h1 id="headline">Ship faster</h1><p class="promo">Free for 30 days.</p><a class="cta" href="/signup">Start</a><ul><li>one</li></ul></body></html>`;

async function variantB(overrides: Override[], origin?: (r: Request) => Promise<Response>, allowScripts = false, logs: string[] = []) {
  const t = await edgeWith(
    [
      experiment({
        target_page: "/",
        variants: [
          { slug: "a", traffic_share: 50 },
          { slug: "b", traffic_share: 50, overrides },
        ],
        allow_script_overrides: allowScripts,
      }),
    ],
    { log: (m) => logs.push(m) },
    origin ??
      (async () =>
        new Response(HOME, {
          headers: { "content-type": "text/html; charset=utf-8", "content-length": String(HOME.length), etag: '"v1"' },
        })),
  );
  // null: a new visitor, no cookies at all.
  return (variant: string | null = "b") =>
    t.fetch("/", variant === null ? {} : { headers: { cookie: `sgen-vid=v; sgen-ab-pricing-page-layout=${variant}` } });
}

describe("inline overrides", () => {
  it("applies each action, in order, to variant b only", async () => {
    const get = await variantB([
      { selector: "h1#headline", action: "set_text", value: "Ship <faster> today" },
      { selector: "p.promo", action: "remove" },
      { selector: "a.cta", action: "set_attribute", attribute: "href", value: "/signup?from=b" },
      { selector: "ul", action: "append", value: "<li>two</li>" },
      { selector: "ul", action: "prepend", value: "<li>zero</li>" },
      { selector: "h1", action: "append", value: " <em>now</em>" },
    ]);
    const b = await get("b");
    const html = await b.text();
    expect(html).toContain(`<h1 id="headline">Ship &lt;faster&gt; today <em>now</em></h1>`);
    expect(html).not.toContain("promo");
    expect(html).toContain(`href="/signup?from=b"`);
    expect(html).toContain("<ul><li>zero</li><li>one</li><li>two</li></ul>");
    expect(b.headers.get("content-length")).toBeNull();
    expect(b.headers.get("etag")).toBeNull();
    expect(b.headers.get("cache-control")).toMatch(/private/);
    expect(await (await get("a")).text()).toBe(HOME);
  });

  it("a new visitor assigned to the edited variant gets its cookies and a private page on the rewriter's response", async () => {
    // The edge adds its headers to the rewriter's own response instead of wrapping it again: the
    // cookies, Cache-Control and the removed validators must all be there.
    const get = await variantB([{ selector: "h1#headline", action: "set_text", value: "Edited" }]);
    let edited: Response | undefined;
    for (let i = 0; i < 40 && edited === undefined; i++) {
      const res = await get(null);
      if ((await res.clone().text()).includes(">Edited<")) edited = res;
    }
    if (edited === undefined) throw new Error("no new visitor was assigned to the edited variant in 40 tries");
    const cookies = setCookies(edited);
    expect(cookies.get("sgen-vid")?.value).toMatch(/^[0-9a-f-]{36}$/);
    expect(cookies.get("sgen-ab-pricing-page-layout")?.value).toBe("b");
    expect(edited.headers.get("cache-control")).toBe("private, no-cache");
    expect(edited.headers.get("content-length")).toBeNull();
    expect(edited.headers.get("etag")).toBeNull();
    expect(edited.headers.get("content-type")).toBe("text/html; charset=utf-8");
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

  describe("the guard, for a document written by hand (the admin refuses all of this on save)", () => {
    const PAGE = `<!doctype html><html><head><title>Home</title><script id="s">var ok = 1</script><style>p{}</style></head><body><h1>Hi</h1><a class="cta" href="/signup">Start</a><textarea>t</textarea><script class="tag" src="/app.js"></script><template><p>x</p></template></body></html>`;
    const page = async () => new Response(PAGE, { headers: { "content-type": "text/html" } });
    const RAW_TEXT: Override[] = [
      { selector: "#s", action: "set_text", value: "alert(1)" },
      { selector: "head > style", action: "append", value: "body{background:url(/x)}" },
      { selector: "title", action: "set_html", value: "</title><b>x</b>" },
      { selector: "textarea", action: "set_html", value: "</textarea><b>x</b>" },
      { selector: "template", action: "prepend", value: "<b>x</b>" },
      { selector: ".tag", action: "set_attribute", attribute: "src", value: "/evil.js" },
    ];

    it("never writes text or HTML into <script>, <style>, <title>, <textarea> or <template>, nor a src onto a <script>", async () => {
      const get = await variantB(RAW_TEXT, page);
      expect(await (await get()).text()).toBe(PAGE);
    });

    it("skips overrides whose value is outside the allow-list, applies the rest, and says which it skipped", async () => {
      const logs: string[] = [];
      const get = await variantB(
        [
          { selector: "h1", action: "set_html", value: "<img src=x onerror=alert(1)>" },
          { selector: "a.cta", action: "set_attribute", attribute: "href", value: "&#106;avascript:alert(1)" },
          { selector: "a.cta", action: "set_attribute", attribute: "onclick", value: "alert(1)" },
          { selector: "h1", action: "append", value: " <b>there</b>" },
          { selector: "a.cta", action: "set_attribute", attribute: "href", value: "/signup?from=b" },
        ],
        page,
        false,
        logs,
      );
      const html = await (await get()).text();
      expect(html).toContain('<h1>Hi <b>there</b></h1><a class="cta" href="/signup?from=b">Start</a>');
      expect(html).not.toMatch(/onerror|onclick|javascript/);
      expect(logs.filter((l) => l.includes("not applying"))).toEqual([
        expect.stringContaining("pricing-page-layout/b override 0 (set_html h1): in <img>: onerror is an event handler"),
        expect.stringContaining("override 1 (set_attribute a.cta): href must be a relative URL"),
        expect.stringContaining("override 2 (set_attribute a.cta): onclick is an event handler"),
      ]);
    });

    it("applies everything where an Administrator allowed script overrides", async () => {
      const get = await variantB(RAW_TEXT, page, true);
      const html = await (await get()).text();
      expect(html).toContain('<script id="s">alert(1)</script>');
      expect(html).toContain("<title></title><b>x</b></title>");
      expect(html).toContain('src="/evil.js"');
    });
  });
});
