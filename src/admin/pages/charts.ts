// Inline SVG charts for the run dashboard: no script, no library, nothing to load. Numbers in, markup
// out; every label goes through `esc`. The lift chart plots the RELATIVE lift (the table's lift) per day
// with its always-valid band, which holds at every look and so can be read from the first day; a single
// day is drawn as a point with its band as a bar, never as a lone dot.
import { relativeConfidenceSequence } from "../../core/stats/sequential.ts";
import type { buildDashboard } from "../dashboard.ts";
import { esc, pct, signedPct } from "./html.ts";

type Dashboard = ReturnType<typeof buildDashboard>;

export { esc } from "./html.ts";

// Colours with at least 4.5:1 against white, so the legend's text is readable.
export const COLORS = ["#4b5563", "#1d4ed8", "#b45309", "#047857", "#7e22ce", "#b91c1c", "#0e7490", "#a21caf"];
const colorOf = (i: number) => COLORS[i % COLORS.length] as string;

/** Conversion rate per variant as bars, with the Wilson interval as a whisker; a variant without visitors has an empty bar. */
export function rateChart(d: Dashboard): string {
  const rows = d.analysis.variants.map((v) => ({
    slug: v.slug,
    rate: v.sample > 0 ? (v.conversion_rate ?? 0) : null,
    low: v.sample > 0 ? (v.ci_low ?? 0) : 0,
    high: v.sample > 0 ? (v.ci_high ?? 0) : 0,
  }));
  const max = Math.max(0.01, ...rows.map((v) => v.high));
  const width = 640;
  const left = 110;
  const right = 90;
  const rowH = 34;
  const height = rows.length * rowH + 30;
  const x = (r: number) => left + ((width - left - right) * r) / max;
  const bars = rows
    .map((v, i) => {
      const y = 10 + i * rowH;
      if (v.rate === null)
        return `<g class="row"><text x="${left - 8}" y="${y + 17}" text-anchor="end">${esc(v.slug)}</text><text x="${left + 4}" y="${y + 17}" class="axis">no visitors yet</text></g>`;
      return `<g class="row"><text x="${left - 8}" y="${y + 17}" text-anchor="end">${esc(v.slug)}</text>
<rect x="${left}" y="${y + 4}" width="${Math.max(1, x(v.rate) - left).toFixed(1)}" height="18" fill="${colorOf(i)}" opacity="0.85"/>
<line x1="${x(v.low).toFixed(1)}" x2="${x(v.high).toFixed(1)}" y1="${y + 13}" y2="${y + 13}" stroke="#111" stroke-width="1.5"/>
<line x1="${x(v.low).toFixed(1)}" x2="${x(v.low).toFixed(1)}" y1="${y + 7}" y2="${y + 19}" stroke="#111"/>
<line x1="${x(v.high).toFixed(1)}" x2="${x(v.high).toFixed(1)}" y1="${y + 7}" y2="${y + 19}" stroke="#111"/>
<text x="${(x(v.high) + 6).toFixed(1)}" y="${y + 17}" class="val">${pct(v.rate)}</text></g>`;
    })
    .join("\n");
  return `<svg class="chart" role="img" aria-label="Conversion rate per variant with 95% intervals" viewBox="0 0 ${width} ${height}">
${bars}
<text x="${left}" y="${height - 4}" class="axis">0%</text><text x="${width - right}" y="${height - 4}" class="axis" text-anchor="end">${pct(max)}</text>
</svg>`;
}

/**
 * The always-valid band of the relative lift p_v / p_c − 1 at one look: the analysis's confidence
 * sequence on the log rate ratio (core/stats/sequential.ts), tuned to the experiment's plan when it has
 * one. Null without visitors in either arm.
 */
export function relativeBand(
  xc: number,
  nc: number,
  xv: number,
  nv: number,
  alpha: number,
  plannedSamplePerVariant?: number,
): { low: number; high: number } | null {
  return relativeConfidenceSequence(xc, nc, xv, nv, alpha, plannedSamplePerVariant);
}

export interface LiftPoint {
  day: string;
  lift: number | null;
  low: number | null;
  high: number | null;
}

/** Per non-control variant, the cumulative relative lift over the control and its band, day by day. */
export function liftSeries(d: Dashboard, alpha = 0.05, planned?: number): Array<{ slug: string; points: LiftPoint[] }> {
  const control = d.variants[0]?.slug;
  if (control === undefined) return [];
  // Each comparison is judged at Holm's first step, so its band is drawn at that level.
  const level = alpha / Math.max(1, d.variants.length - 1);
  return d.variants.slice(1).map((v) => ({
    slug: v.slug,
    points: d.timeseries.map((day) => {
      const nc = day.sample[control] ?? 0;
      const xc = day.conversions[control] ?? 0;
      const nv = day.sample[v.slug] ?? 0;
      const xv = day.conversions[v.slug] ?? 0;
      const lift = nc > 0 && nv > 0 && xc > 0 ? xv / nv / (xc / nc) - 1 : null;
      const band = relativeBand(xc, nc, xv, nv, level, planned);
      return { day: day.day, lift, low: band?.low ?? null, high: band?.high ?? null };
    }),
  }));
}

function niceStep(span: number): number {
  for (const s of [0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1]) if (span / s <= 6) return s;
  return 1;
}

const CAP = 2; // +200%: a band reaching past it is drawn to the edge, marked as open

export function liftChart(d: Dashboard, alpha = 0.05, planned?: number): string {
  const series = liftSeries(d, alpha, planned);
  const days = d.timeseries.map((t) => t.day);
  if (days.length === 0 || series.length === 0) return `<p class="muted">The lift chart appears once visitors have been counted.</p>`;
  const values = series.flatMap((s) => s.points.flatMap((p) => [p.lift, p.low, p.high])).filter((x): x is number => x !== null);
  if (values.length === 0) return `<p class="muted">The lift chart appears once the control has a conversion.</p>`;
  const lo0 = Math.max(-1, Math.min(-0.05, ...values));
  const hi0 = Math.min(CAP, Math.max(0.05, ...values));
  const step = niceStep(hi0 - lo0);
  const lo = Math.floor(lo0 / step) * step;
  const hi = Math.ceil(hi0 / step) * step;
  const width = 640;
  const height = 240;
  const left = 56;
  const right = 20;
  const top = 28;
  const bottom = 30;
  const x = (i: number) => left + (days.length === 1 ? (width - left - right) / 2 : ((width - left - right) * i) / (days.length - 1));
  const y = (v: number) => top + ((height - top - bottom) * (hi - Math.max(lo, Math.min(hi, v)))) / (hi - lo);
  const ticks: string[] = [];
  for (let t = lo; t <= hi + 1e-9; t += step) {
    const yy = y(t).toFixed(1);
    ticks.push(
      `<line x1="${left}" x2="${width - right}" y1="${yy}" y2="${yy}" stroke="${Math.abs(t) < 1e-9 ? "#6b7280" : "#e5e7eb"}"${Math.abs(t) < 1e-9 ? ' stroke-dasharray="4 3"' : ""}/><text x="${left - 6}" y="${(y(t) + 4).toFixed(1)}" class="axis" text-anchor="end">${signedPct(Math.abs(t) < 1e-9 ? 0 : t, 0)}</text>`,
    );
  }
  const single = days.length === 1;
  const drawn = series
    .map((s, k) => {
      const color = colorOf(k + 1);
      const pts = s.points.map((p, i) => ({ ...p, i })).filter((p) => p.lift !== null);
      const banded = pts.filter((p) => p.low !== null && p.high !== null);
      const offset = single ? (k - (series.length - 1) / 2) * 18 : 0;
      const bars = banded
        .map(
          (p) =>
            `<rect x="${(x(p.i) + offset - 5).toFixed(1)}" y="${y(p.high as number).toFixed(1)}" width="10" height="${Math.max(1, y(p.low as number) - y(p.high as number)).toFixed(1)}" fill="${color}" opacity="0.25"/>`,
        )
        .join("");
      const band =
        !single && banded.length > 1
          ? `<polygon points="${banded.map((p) => `${x(p.i).toFixed(1)},${y(p.high as number).toFixed(1)}`).join(" ")} ${banded
              .map((p) => `${x(p.i).toFixed(1)},${y(p.low as number).toFixed(1)}`)
              .reverse()
              .join(" ")}" fill="${color}" opacity="0.15"/>`
          : "";
      const line =
        pts.length > 1
          ? `<polyline points="${pts.map((p) => `${x(p.i).toFixed(1)},${y(p.lift as number).toFixed(1)}`).join(" ")}" fill="none" stroke="${color}" stroke-width="2"/>`
          : "";
      const dots = pts
        .map((p) => `<circle cx="${(x(p.i) + offset).toFixed(1)}" cy="${y(p.lift as number).toFixed(1)}" r="4" fill="${color}"/>`)
        .join("");
      const last = pts.at(-1);
      const label =
        last === undefined
          ? ""
          : `<text x="${Math.min(width - right - 4, x(last.i) + offset + 8).toFixed(1)}" y="${(y(last.lift as number) - 8).toFixed(1)}" fill="${color}" class="val"${
              x(last.i) + offset + 60 > width - right ? ' text-anchor="end"' : ""
            }>${signedPct(last.lift)}</text>`;
      return `${band}${single ? bars : ""}${line}${dots}${label}`;
    })
    .join("\n");
  const control = d.variants[0]?.slug ?? "";
  const legend = series
    .map((s, k) => `<text x="${left + k * 130}" y="14" fill="${colorOf(k + 1)}" class="legend">■ ${esc(s.slug)} vs ${esc(control)}</text>`)
    .join("");
  return `<svg class="chart" role="img" aria-label="Relative lift over the control per day, with the always-valid band" viewBox="0 0 ${width} ${height}">
${legend}
${ticks.join("")}
${drawn}
<text x="${left}" y="${height - 8}" class="axis">${esc(days[0] ?? "")}</text>${single ? "" : `<text x="${width - right}" y="${height - 8}" class="axis" text-anchor="end">${esc(days.at(-1) ?? "")}</text>`}
</svg>`;
}

/** The chart's figures in words, for every reader (and a screen reader): the latest lift and band. */
export function liftSummary(d: Dashboard, alpha = 0.05, planned?: number): string {
  const series = liftSeries(d, alpha, planned);
  const control = d.variants[0]?.slug ?? "";
  const items = series
    .map((s) => {
      const last = [...s.points].reverse().find((p) => p.lift !== null);
      if (last === undefined) return `<li>${esc(s.slug)} vs ${esc(control)}: no lift yet (the control needs a conversion).</li>`;
      const band =
        last.low === null || last.high === null
          ? ""
          : `, always-valid band ${signedPct(last.low)} to ${last.high > CAP ? "beyond +200%" : signedPct(last.high)}`;
      return `<li>${esc(s.slug)} vs ${esc(control)} as of ${esc(last.day)}: ${signedPct(last.lift)}${band}</li>`;
    })
    .join("");
  return items === "" ? "" : `<ul class="chart-note">${items}</ul>`;
}
