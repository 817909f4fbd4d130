// Reads test/fixtures/xss-vectors.txt (its header describes the format) into overrides that tests save
// through the admin and publish to the edge. Pure: the Workers tests pass the file's text in (imported
// with `?raw`), the Node tests read it from disk.

export type VectorAction = "set_text" | "set_html" | "set_attribute" | "append" | "prepend";

export interface XssVector {
  /** 1-based; what the payload reports (`alert(n)`, `/__xss/n`). */
  readonly n: number;
  readonly section: string;
  /** Harmless text that only looks hostile: may be saved; must never run. */
  readonly inert: boolean;
  readonly action: VectorAction;
  /** The page's element the override edits (its class is `t<n>`), or a plain `<div class="t<n>">`. */
  readonly target: string;
  /** The target element's tag name. */
  readonly tag: string;
  readonly attribute?: string;
  readonly value: string;
  /** The source line, for messages. */
  readonly source: string;
}

const ACTIONS = new Set(["set_text", "set_html", "set_attribute", "append", "prepend"]);
const ROTATION: VectorAction[] = ["set_html", "append", "prepend"];

function bytesOf(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

const FUNCTIONS: Record<string, (s: string) => string> = {
  dec: (s) => [...s].map((c) => `&#${c.codePointAt(0)};`).join(""),
  dec7: (s) => [...s].map((c) => `&#${String(c.codePointAt(0)).padStart(7, "0")}`).join(""),
  hex: (s) => [...s].map((c) => `&#x${(c.codePointAt(0) as number).toString(16)};`).join(""),
  hexns: (s) => [...s].map((c) => `&#x${(c.codePointAt(0) as number).toString(16)}`).join(""),
  b64: (s) => btoa(String.fromCharCode(...bytesOf(s))),
  pct: (s) => [...bytesOf(s)].map((b) => `%${b.toString(16).padStart(2, "0")}`).join(""),
};

function expand(text: string, n: number): string {
  const placed = text
    .replace(/\{u:([0-9A-Fa-f]{4})\}/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    .replaceAll("$JS", `alert(${n})`)
    .replaceAll("$URL", `/__xss/${n}`)
    .replaceAll("$N", String(n));
  return placed.replace(/\{(dec7|dec|hexns|hex|b64|pct):([^}]*)\}/g, (_, f: string, s: string) =>
    (FUNCTIONS[f] as (s: string) => string)(s),
  );
}

export function parseVectors(text: string): XssVector[] {
  const out: XssVector[] = [];
  let section = "";
  for (const line of text.split("\n")) {
    if (line.startsWith("## ")) section = line.slice(3).trim();
    if (line.trim() === "" || line.startsWith("#")) continue;
    const n = out.length + 1;
    const fields = line.split(" | ");
    const head = fields[0] as string;
    const cls = `t${n}`;
    const targetOf = (html: string) => expand(html, n).replace(/class=T\b/, `class=${cls}`);
    if (ACTIONS.has(head) && fields.length >= 3) {
      const target = targetOf(fields[1] as string);
      const tag = new RegExp(`<([a-zA-Z][a-zA-Z0-9]*)[^>]*\\bclass=${cls}\\b`).exec(target)?.[1]?.toLowerCase();
      if (tag === undefined) throw new Error(`xss-vectors: no element of class T in ${line}`);
      const attribute = head === "set_attribute" ? expand(fields[2] as string, n) : undefined;
      const value = expand(fields.slice(head === "set_attribute" ? 3 : 2).join(" | "), n);
      out.push({
        n,
        section,
        inert: false,
        action: head as VectorAction,
        target,
        tag,
        value,
        source: line,
        ...(attribute === undefined ? {} : { attribute }),
      });
      continue;
    }
    const inert = head === "inert" && fields.length >= 2;
    const payload = inert ? fields.slice(1).join(" | ") : line;
    out.push({
      n,
      section,
      inert,
      action: ROTATION[n % ROTATION.length] as VectorAction,
      target: `<div class=${cls}>slot ${n}</div>`,
      tag: "div",
      value: expand(payload, n),
      source: line,
    });
  }
  return out;
}

/** The override a vector stands for, with `selector` (`.t<n>`, or with the tag for the admin: `script.t<n>`). */
export function overrideOf(v: XssVector, withTag = false): { selector: string; action: VectorAction; attribute?: string; value: string } {
  const selector = `${withTag ? v.tag : ""}.t${v.n}`;
  return { selector, action: v.action, value: v.value, ...(v.attribute === undefined ? {} : { attribute: v.attribute }) };
}
