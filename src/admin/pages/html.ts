// The small vocabulary every view writes with: escaping (every operator-entered string goes through
// `esc`), numbers and percentages in one style, times in the configured time zone with a relative
// "3 hours ago", and the words for the record's enums (never `assign_winner` on a page).
import type { ConversionEvent } from "../../core/schema.ts";

export const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

/** A number with thousands separators. */
export const num = (n: number): string => n.toLocaleString("en");

/** A rate or share as a percentage, or a dash for a statistic that has no value. */
export function pct(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined || !Number.isFinite(x) ? "—" : `${(100 * x).toFixed(digits)}%`;
}

/** A lift as a signed percentage: +12.3%, −4.0%. */
export function signedPct(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "—";
  const v = (100 * x).toFixed(digits);
  return x > 0 ? `+${v}%` : x < 0 ? `−${v.slice(1)}%` : `${v}%`;
}

/** A p-value in the precision that matters: < 0.0001 below that. */
export function pValue(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return "—";
  return p < 0.0001 ? "< 0.0001" : p.toFixed(4);
}

/** How the pages write times: in one configured IANA time zone (UTC by default). */
export interface Clock {
  readonly timeZone: string;
  readonly now: number;
}

/** The time zone if the runtime knows it, else UTC. */
export function validTimeZone(tz: string | undefined): string {
  if (tz === undefined || tz === "") return "UTC";
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone: tz });
    return tz;
  } catch {
    return "UTC";
  }
}

function relative(ms: number): string {
  const ago = ms >= 0;
  const s = Math.abs(ms) / 1000;
  const [n, unit] =
    s < 60
      ? [0, "now"]
      : s < 3600
        ? [Math.floor(s / 60), "minute"]
        : s < 86_400
          ? [Math.floor(s / 3600), "hour"]
          : s < 86_400 * 60
            ? [Math.floor(s / 86_400), "day"]
            : [Math.floor(s / (86_400 * 30)), "month"];
  if (unit === "now") return "just now";
  const words = `${n} ${unit}${n === 1 ? "" : "s"}`;
  return ago ? `${words} ago` : `in ${words}`;
}

/** A date and time in the clock's zone, e.g. "1 Dec 2026, 08:30 UTC". */
export function dateTime(iso: string, clock: Clock): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat("en-GB", {
    timeZone: clock.timeZone,
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
  }).format(d);
}

/** A date in the clock's zone, e.g. "1 Dec 2026". */
export function date(iso: string, clock: Clock): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat("en-GB", { timeZone: clock.timeZone, day: "numeric", month: "short", year: "numeric" }).format(d);
}

/** `<time>` with the exact instant for machines and "1 Dec 2026, 08:30 UTC (3 hours ago)" for people. */
export function timeTag(iso: string | null | undefined, clock: Clock, withRelative = true): string {
  if (iso === null || iso === undefined) return "—";
  const at = new Date(iso).getTime();
  const rel = withRelative && Number.isFinite(at) ? ` <span class="muted">(${relative(clock.now - at)})</span>` : "";
  return `<time datetime="${esc(iso)}">${esc(dateTime(iso, clock))}</time>${rel}`;
}

export const stateBadge = (s: string): string => `<span class="badge ${esc(s)}">${esc(s)}</span>`;

/** A conversion event in words: "Page view of /thanks", "Custom event signup". */
export function eventWords(e: ConversionEvent): string {
  if (e.type === "custom") return `Custom event <code>${esc(e.name)}</code>`;
  return `${e.type === "page_view" ? "Page view of" : "Form submission to"} <code>${esc(e.path)}</code>`;
}

export const CONVERSION_TYPE_WORDS: Record<ConversionEvent["type"], string> = {
  page_view: "Page view",
  form_submission: "Form submission (POST answered 2xx or 3xx)",
  custom: "Custom event (POST /__sgen/events)",
};

export const ON_WINNER_WORDS: Record<string, string> = {
  assign_winner: "Send all traffic to the winner",
  assign_control: "Send all traffic back to the control",
  complete: "Complete the test (everyone gets the control)",
};

export const ON_INCONCLUSIVE_WORDS: Record<string, string> = {
  keep_running: "Keep running",
  assign_control: "Send all traffic back to the control",
  complete: "Complete the test (everyone gets the control)",
};

export const ON_LOSER_WORDS: Record<string, string> = {
  keep: "Keep it running",
  send_to_control: "Stop it: its visitors get the control's page, uncounted",
};

/** Why a variant was stopped, in words. */
export const STOP_REASON_WORDS: Record<string, string> = {
  loser: "a clear loser",
  guardrail: "a guardrail tripped",
};

/** A `<select>` of fixed options with their words; `locked` shows it disabled (its value comes from the record). */
export function selectOf(name: string, id: string, value: string, options: Record<string, string>, attrs = "", locked = false): string {
  return `<select name="${name}" id="${id}"${attrs}${locked ? " disabled" : ""}>${Object.entries(options)
    .map(([v, words]) => `<option value="${esc(v)}"${v === value ? " selected" : ""}>${esc(words)}</option>`)
    .join("")}</select>`;
}

/** A scrolling container for a wide table: it scrolls inside its card, never the page; keyboard-focusable. */
export const scrollBox = (label: string, table: string): string =>
  `<div class="table-scroll" role="region" aria-label="${esc(label)}" tabindex="0">${table}</div>`;
