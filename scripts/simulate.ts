// npm run simulate [-- base visitors]: drives visitors and conversions through a running demo
// (`npm start`) so that the run dashboard has something to show. Visitors open /pricing; some go on to
// /thanks (the seeded experiment's conversion), variant b a little more often than a.
const [base = "http://localhost:8787", count = "400"] = process.argv.slice(2);
const visitors = Number(count);
const rate = { a: 0.1, b: 0.14 } as Record<string, number>;
let converted = 0;
const seen: Record<string, number> = {};
for (let i = 0; i < visitors; i++) {
  const id = crypto.randomUUID();
  const res = await fetch(`${base}/pricing`, { headers: { cookie: `sgen-vid=${id}` } });
  await res.arrayBuffer();
  const assigned = res.headers.getSetCookie().find((c) => c.startsWith("sgen-ab-pricing-page-layout="));
  const variant = assigned?.split(";")[0]?.split("=")[1] ?? "";
  seen[variant] = (seen[variant] ?? 0) + 1;
  if (Math.random() < (rate[variant] ?? 0)) {
    const thanks = await fetch(`${base}/thanks`, { headers: { cookie: `sgen-vid=${id}; ${assigned?.split(";")[0]}` } });
    await thanks.arrayBuffer();
    converted++;
  }
}
console.log(
  `${visitors} visitors (${Object.entries(seen)
    .map(([v, n]) => `${v}: ${n}`)
    .join(", ")}), ${converted} conversions sent to ${base}`,
);
console.log(`Open ${base}/sg-admin/experiments/ and sign in with demo-admin to see the dashboard.`);

export {}; // a module, for the top-level await
