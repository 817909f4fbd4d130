// Inline SVG charts for the run dashboard: no script, no library, nothing to load. Numbers in, markup
// out; every label goes through `esc`.
import { confidenceSequence } from "../../core/stats/sequential.ts";
import type { buildDashboard } from "../dashboard.ts";

type Dashboard = ReturnType<typeof buildDashboard>;

export const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

const pct = (x: number, d = 1) => `${(100 * x).toFixed(d)}%`;
const COLORS = ["#4b5563", "#2563eb", "#d97706", "#059669", "#9333ea", "#dc2626"];

/** Conversion rate per variant as bars, with the Wilson interval as a whisker. */
export function rateChart(d: Dashboard): string {
  // A variant without visitors has no rate (null): drawn as an empty bar.
  const rows = d.analysis.variants.map((v) => ({
    slug: v.slug,
    conversion_rate: v.conversion_rate ?? 0,
    ci_low: v.ci_low ?? 0,
    ci_high: v.ci_high ?? 0,
  }));
  const max = Math.max(0.01, ...rows.map((v) => v.ci_high));
  const width = 560;
  const left = 110;
  const rowH = 34;
  const height = rows.length * rowH + 30;
  const x = (r: number) => left + ((width - left - 70) * r) / max;
  const bars = rows
    .map((v, i) => {
      const y = 10 + i * rowH;
      return `<g class="row"><text x="${left - 8}" y="${y + 17}" text-anchor="end">${esc(v.slug)}</text>
<rect x="${left}" y="${y + 4}" width="${(x(v.conversion_rate) - left).toFixed(1)}" height="18" fill="${COLORS[i % COLORS.length]}" opacity="0.8"/>
<line x1="${x(v.ci_low).toFixed(1)}" x2="${x(v.ci_high).toFixed(1)}" y1="${y + 13}" y2="${y + 13}" stroke="#111" stroke-width="1.5"/>
<line x1="${x(v.ci_low).toFixed(1)}" x2="${x(v.ci_low).toFixed(1)}" y1="${y + 7}" y2="${y + 19}" stroke="#111"/>
<line x1="${x(v.ci_high).toFixed(1)}" x2="${x(v.ci_high).toFixed(1)}" y1="${y + 7}" y2="${y + 19}" stroke="#111"/>
<text x="${(x(v.ci_high) + 6).toFixed(1)}" y="${y + 17}" class="val">${pct(v.conversion_rate)}</text></g>`;
    })
    .join("\n");
  return `<svg class="chart" role="img" aria-label="Conversion rate per variant with 95% intervals" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">
${bars}
<text x="${left}" y="${height - 4}" class="axis">0</text><text x="${width - 70}" y="${height - 4}" class="axis" text-anchor="end">${pct(max)}</text>
</svg>`;
}

/** Cumulative absolute lift of each variant over the control, day by day, with its always-valid band. */
export function liftChart(d: Dashboard, alpha = 0.05): string {
  const days = d.timeseries;
  const control = d.variants[0]?.slug;
  if (days.length === 0 || control === undefined) return `<p class="muted">The lift chart appears once visitors have been counted.</p>`;
  const series = d.variants.slice(1).map((v) =>
    days.map((day) => {
      const nc = day.sample[control] ?? 0;
      const xc = day.conversions[control] ?? 0;
      const nv = day.sample[v.slug] ?? 0;
      const xv = day.conversions[v.slug] ?? 0;
      const diff = nc > 0 && nv > 0 ? xv / nv - xc / nc : 0;
      const band = confidenceSequence(xc, nc, xv, nv, alpha / Math.max(1, d.variants.length - 1));
      return { day: day.day, diff, low: band?.low ?? diff, high: band?.high ?? diff };
    }),
  );
  const all = series.flat();
  const lo = Math.min(-0.01, ...all.map((p) => Math.max(p.low, -1)));
  const hi = Math.max(0.01, ...all.map((p) => Math.min(p.high, 1)));
  const width = 560;
  const height = 220;
  const pad = 40;
  const x = (i: number) => pad + (days.length === 1 ? (width - 2 * pad) / 2 : ((width - 2 * pad) * i) / (days.length - 1));
  const y = (v: number) => height - pad + ((height - 2 * pad) * (lo - Math.max(lo, Math.min(hi, v)))) / (hi - lo);
  const paths = series
    .map((pts, k) => {
      const color = COLORS[(k + 1) % COLORS.length];
      const band = `${pts.map((p, i) => `${x(i).toFixed(1)},${y(p.high).toFixed(1)}`).join(" ")} ${pts
        .map((p, i) => `${x(i).toFixed(1)},${y(p.low).toFixed(1)}`)
        .reverse()
        .join(" ")}`;
      const line = pts.map((p, i) => `${x(i).toFixed(1)},${y(p.diff).toFixed(1)}`).join(" ");
      const dots = pts.map((p, i) => `<circle cx="${x(i).toFixed(1)}" cy="${y(p.diff).toFixed(1)}" r="3" fill="${color}"/>`).join("");
      return `<polygon points="${band}" fill="${color}" opacity="0.15"/><polyline points="${line}" fill="none" stroke="${color}" stroke-width="2"/>${dots}`;
    })
    .join("\n");
  const legend = d.variants
    .slice(1)
    .map((v, k) => `<text x="${pad + k * 120}" y="16" fill="${COLORS[(k + 1) % COLORS.length]}">${esc(v.slug)} − ${esc(control)}</text>`)
    .join("");
  return `<svg class="chart" role="img" aria-label="Cumulative lift over the control with always-valid band" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">
${legend}
<line x1="${pad}" x2="${width - pad}" y1="${y(0).toFixed(1)}" y2="${y(0).toFixed(1)}" stroke="#999" stroke-dasharray="4 3"/>
${paths}
<text x="4" y="${(y(hi) + 4).toFixed(1)}" class="axis">${pct(hi)}</text><text x="4" y="${(y(lo) + 4).toFixed(1)}" class="axis">${pct(lo)}</text>
<text x="${pad}" y="${height - 8}" class="axis">${esc(days[0]?.day ?? "")}</text><text x="${width - pad}" y="${height - 8}" class="axis" text-anchor="end">${esc(days.at(-1)?.day ?? "")}</text>
</svg>`;
}
