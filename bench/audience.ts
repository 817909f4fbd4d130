// npm run bench:audience: what the targeting rules cost a request, in Node 22 (the same V8 as workerd).
// Each figure is the median of 9 rounds of at least 200 ms each, in ns per evaluation. The request's
// headers sit in a real `Headers` object, whose get() copies the value every call, as a Worker's do.

import type { RequestFacts } from "../src/core/targeting/attributes.ts";
import { compileAudience, inAudience } from "../src/core/targeting/audience.ts";
import { classifyUserAgent, deviceOf } from "../src/core/targeting/device.ts";
import { compileTargeting, decideEntry, type EntryContext } from "../src/core/targeting/entry.ts";

const UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
const headers = new Headers({ "user-agent": UA, "accept-language": "en-US,en;q=0.9,de;q=0.8", cookie: "sgen-vid=x; plan=pro" });
const cookies: Record<string, string> = { plan: "pro", "sgen-vid": "3f2b8c1e-9d4a-4e7b-8a61-2c5d7e9f0a1b" };
const facts: RequestFacts = {
  url: "https://shop.example/pricing?utm_source=newsletter&utm_medium=email",
  header: (name) => headers.get(name),
  cookie: (name) => cookies[name],
  cf: { country: "US", continent: "NA", regionCode: "TX", region: "Texas", city: "Austin" },
};

const fiveConditions = {
  match: "all" as const,
  conditions: [
    { attribute: "country", operator: "in" as const, values: ["US", "CA", "GB", "DE", "FR", "AU"] },
    { attribute: "device", operator: "equals" as const, values: ["desktop"] },
    { attribute: "language", operator: "in" as const, values: ["en", "de"] },
    { attribute: "query.utm_source", operator: "equals" as const, values: ["newsletter"] },
    { attribute: "cookie.plan", operator: "not_in" as const, values: ["free"] },
  ],
};
const audience = compileAudience(fiveConditions);
const variants = [{ slug: "a" }, { slug: "b" }];
const targeting = compileTargeting(
  [
    { slug: "open", state: "live", variants },
    {
      slug: "full",
      state: "live",
      variants,
      audience: fiveConditions,
      coverage_percent: 100,
      layer: { slug: "homepage", from: 0, to: 100 },
    },
  ],
  // A holdout of the layer (a global one would cover the experiment without targeting too).
  [{ id: 1, slug: "homepage-holdout", percent: 0.01, layer: "homepage", goals: [] }],
  "sgen-ab-",
);
const open = targeting.bySlug.get("open");
const full = targeting.bySlug.get("full");
if (open === undefined || full === undefined) throw new Error("compile");
// The same request with its headers in a plain object: the core's own cost, without Node's Headers
// (undici's get() validates and lower-cases the name in JavaScript; workerd's is native).
const plainHeaders: Record<string, string> = { "user-agent": UA, "accept-language": "en-US,en;q=0.9,de;q=0.8" };
const plainFacts: RequestFacts = { ...facts, header: (name) => plainHeaders[name] ?? null };
const context: EntryContext = { now: 0, qaVariant: null, consented: true, crawler: false, visitorId: () => cookies["sgen-vid"] as string };

if (!inAudience(audience, facts) || decideEntry(full, facts, context).kind !== "assign")
  throw new Error("the benchmark's visitor must be inside");

function measure(name: string, run: () => unknown): void {
  let sink = 0;
  const rounds: number[] = [];
  for (let r = 0; r < 10; r++) {
    let n = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0n;
    while (elapsed < 200_000_000n) {
      for (let i = 0; i < 1000; i++) if (run()) sink++;
      n += 1000;
      elapsed = process.hrtime.bigint() - start;
    }
    if (r > 0) rounds.push(Number(elapsed) / n); // the first round warms up
  }
  rounds.sort((a, b) => a - b);
  const median = rounds[Math.floor(rounds.length / 2)] as number;
  console.log(
    `${name.padEnd(62)} ${median.toFixed(0).padStart(6)} ns  (${(rounds[0] as number).toFixed(0)}–${(rounds.at(-1) as number).toFixed(0)})`,
  );
  if (sink < 0) console.log(sink);
}

console.log(`node ${process.version}`);
measure("decideEntry, an experiment without targeting", () => decideEntry(open, facts, context).kind === "assign");
measure("inAudience, 5 conditions (country, device, language, query, cookie)", () => inAudience(audience, facts));
measure("  the same, headers from a plain object", () => inAudience(audience, plainFacts));
measure("  Headers.get('user-agent') alone, for scale", () => headers.get("user-agent") !== null);
measure("decideEntry, that audience + a holdout + a layer slice + coverage", () => decideEntry(full, facts, context).kind === "assign");
measure("deviceOf, a desktop UA seen before (the memo)", () => deviceOf(headers.get("user-agent")) === "desktop");
measure(
  "classifyUserAgent, a desktop UA never seen (is-mobile's expression)",
  () => classifyUserAgent(headers.get("user-agent") as string) === "desktop",
);
