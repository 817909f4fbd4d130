// The demo's origin (the README's quick start): a small site with a home page, a pricing page and its
// variant, a thank-you page, a sign-up form, and a checkout whose variant page, /flaky, always answers
// 500 (so that the circuit breaker can be watched locally). In production this is your own site.
const page = (title: string, body: string): string => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem}nav a{margin-right:1rem}</style></head>
<body><nav><a href="/">Home</a><a href="/pricing">Pricing</a><a href="/signup">Sign up</a></nav>
${body}
</body>
</html>`;

const PAGES: Record<string, string> = {
  "/": page(
    "Acme: home",
    `<h1 id="headline">Ship faster with Acme</h1><p class="lede">The tool your team already wanted.</p><p class="promo">Free for 30 days.</p>`,
  ),
  "/pricing": page(
    "Acme: pricing",
    `<h1>Pricing</h1><ul><li>Starter: $9</li><li>Team: $29</li></ul><p><a href="/signup">Start now</a></p>`,
  ),
  "/pricing-b": page(
    "Acme: pricing (layout B)",
    `<h1>Simple pricing</h1><table><tr><th>Starter</th><td>$9</td></tr><tr><th>Team</th><td>$29</td></tr></table><p><a href="/signup">Start your free trial</a></p>`,
  ),
  "/thanks": page("Acme: thank you", `<h1>Thank you!</h1><p>Your account is ready.</p>`),
  "/signup": page(
    "Acme: sign up",
    `<h1>Sign up</h1><form method="post" action="/signup"><label>Email <input name="email" type="email" required></label> <button>Create account</button></form>`,
  ), // The buy button sends a purchase with its value and an order id (a repeat of the same order counts once).
  "/checkout": page(
    "Acme: checkout",
    `<h1>Checkout</h1><p>Team plan, one year: $49.90</p><button id="buy">Buy</button><p id="done"></p>
<script>document.getElementById("buy").addEventListener("click",async()=>{const order="o-"+crypto.randomUUID();const r=await fetch("/__sgen/events",{method:"POST",headers:{"content-type":"application/json"},body:JSON.stringify({events:[{name:"purchase",value:49.9,id:order}]})});document.getElementById("done").textContent=r.ok?"Thank you for your order.":"Could not record the order."});</script>`,
  ),
};

const html = (body: string, status = 200): Response =>
  new Response(body, { status, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "public, max-age=60" } });

export function demoSite(request: Request): Response {
  const { pathname } = new URL(request.url);
  if (pathname === "/signup" && request.method === "POST") {
    return new Response(null, { status: 303, headers: { location: "/thanks" } });
  }
  // A variant page that is broken: the edge serves the control's page instead, and the guardrail sees the 500.
  if (pathname === "/flaky") return html(page("Acme: server error", "<h1>Something went wrong</h1>"), 500);
  const body = PAGES[pathname];
  if (body === undefined || (request.method !== "GET" && request.method !== "HEAD")) {
    return html(page("Acme: not found", "<h1>Not found</h1>"), 404);
  }
  return request.method === "HEAD" ? new Response(null, html(body)) : html(body);
}
