// What an override may write into a page when its experiment does not allow script overrides: one
// allow-list of elements and attributes, shared by the admin (which sanitises HTML with a real parser,
// src/core/sanitize.ts) and the edge (which re-checks the published values cheaply, since a KV document
// can be written by hand). Zod-free and dependency-free: the edge's bundle carries it.
//
// Nothing here can run script in today's browsers: no event handlers, no elements that load or run
// code (script, iframe, object, embed, link, meta, base, form and its controls, svg, math), no `style`
// (we have no CSS sanitiser; the site's classes do the styling), no `id`/`name` (they shadow the site's
// globals: DOM clobbering), no `data-*` (frameworks read them as code: script gadgets), and URLs only
// http(s), relative or mailto, judged after character references are decoded and the characters the
// URL parser skips are removed.

/** Attributes any allowed element, and any element of the site an override edits, may carry. */
export const GLOBAL_ATTRIBUTES: ReadonlySet<string> = new Set(["class", "title", "lang", "dir", "role", "hidden", "tabindex", "translate"]);

const CITE = ["cite"];
const MEDIA = ["src", "width", "height"];

/** The elements an override's HTML may contain, each with the attributes of its own it may carry. */
export const ELEMENT_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  a: ["href", "target", "rel", "hreflang", "type"],
  abbr: [],
  address: [],
  article: [],
  aside: [],
  audio: ["src", "controls", "autoplay", "loop", "muted", "preload"],
  b: [],
  bdi: [],
  bdo: [],
  blockquote: CITE,
  br: [],
  caption: [],
  cite: [],
  code: [],
  col: ["span"],
  colgroup: ["span"],
  data: ["value"],
  dd: [],
  del: [...CITE, "datetime"],
  details: ["open"],
  dfn: [],
  div: [],
  dl: [],
  dt: [],
  em: [],
  figcaption: [],
  figure: [],
  footer: [],
  h1: [],
  h2: [],
  h3: [],
  h4: [],
  h5: [],
  h6: [],
  header: [],
  hgroup: [],
  hr: [],
  i: [],
  img: [...MEDIA, "srcset", "sizes", "alt", "loading", "decoding"],
  ins: [...CITE, "datetime"],
  kbd: [],
  li: ["value"],
  main: [],
  mark: [],
  nav: [],
  ol: ["start", "reversed", "type"],
  p: [],
  picture: [],
  pre: [],
  q: CITE,
  rp: [],
  rt: [],
  ruby: [],
  s: [],
  samp: [],
  section: [],
  small: [],
  source: [...MEDIA, "srcset", "sizes", "media", "type"],
  span: [],
  strong: [],
  sub: [],
  summary: [],
  sup: [],
  table: [],
  tbody: [],
  td: ["colspan", "rowspan", "headers"],
  tfoot: [],
  th: ["colspan", "rowspan", "headers", "scope", "abbr"],
  thead: [],
  time: ["datetime"],
  tr: [],
  track: ["src", "kind", "srclang", "label", "default"],
  u: [],
  ul: [],
  var: [],
  video: [...MEDIA, "poster", "controls", "autoplay", "loop", "muted", "playsinline", "preload"],
  wbr: [],
};

/**
 * Elements whose content the browser reads as raw text or as a document of its own, or that hold code:
 * an override never writes text or HTML into them (a `set_text` into a `<script>` is script, into a
 * `<style>` is CSS, into a `<textarea>` or `<title>` can close it). HTMLRewriter reports
 * `element.tagName` in lower case. Attributes are judged by element instead (`attributeAllowed`).
 */
export const NEVER_WRITTEN: ReadonlySet<string> = new Set([
  "script",
  "style",
  "textarea",
  "title",
  "noscript",
  "xmp",
  "iframe",
  "noembed",
  "noframes",
  "plaintext",
  "template",
]);

/** Attributes whose value the browser fetches or navigates to. */
export const URL_ATTRIBUTES: ReadonlySet<string> = new Set(["href", "src", "srcset", "poster", "cite"]);

/** Schemes a URL attribute may name; `mailto` only where a click opens it (`href`). */
export function schemesFor(attribute: string): readonly string[] {
  return attribute === "href" ? ["http", "https", "mailto"] : ["http", "https"];
}

const ATTRIBUTE_NAME = /^[a-z][a-z0-9-]*$/;
const ARIA = /^aria-[a-z]+$/;

/**
 * Attributes `set_attribute` may change on elements of the site that an override's HTML may not
 * contain (a form's inputs keep their behaviour; their wording may be tested).
 */
export const EDITED_ONLY_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  input: ["placeholder"],
  textarea: ["placeholder"],
};

const ALLOWED_ELEMENTS: ReadonlyMap<string, readonly string[]> = new Map(Object.entries(ELEMENT_ATTRIBUTES));
const EDITED_ELEMENTS: ReadonlyMap<string, readonly string[]> = new Map(Object.entries(EDITED_ONLY_ATTRIBUTES));
const ANY_ELEMENT_ATTRIBUTES: ReadonlySet<string> = new Set([...ALLOWED_ELEMENTS.values(), ...EDITED_ELEMENTS.values()].flat());

/** Whether an override's HTML may contain the element `tag` (lower case). */
export function elementAllowed(tag: string): boolean {
  return ALLOWED_ELEMENTS.has(tag);
}

/**
 * Whether the attribute `name` (lower case) may be set on an element named `tag`, or on some element
 * when `tag` is null (the admin, which cannot know what a selector will match, asks that way).
 */
export function attributeAllowed(name: string, tag: string | null): boolean {
  if (GLOBAL_ATTRIBUTES.has(name) || ARIA.test(name)) return true;
  if (tag === null) return ANY_ELEMENT_ATTRIBUTES.has(name);
  return ALLOWED_ELEMENTS.get(tag)?.includes(name) === true || EDITED_ELEMENTS.get(tag)?.includes(name) === true;
}

// Character references as the browser decodes them in an attribute value. Numeric ones may lack their
// semicolon. Of the named ones with a semicolon we decode the five that serialisers write and refuse
// every other: `&colon;`, `&Tab;`, `&NewLine;` … would otherwise hide a scheme from a check that does
// not know them. Named ones without a semicolon (the legacy `&amp`, `&copy` …) only ever stand for `&`,
// `<`, `>`, `"` or non-ASCII letters, none of which can spell or split a scheme, so they stay as written.
const REFERENCE = /&(?:#[xX]([0-9a-fA-F]+);?|#([0-9]+);?|([a-zA-Z][a-zA-Z0-9]*);)/g;
const BASIC_NAMED: ReadonlyMap<string, string> = new Map([
  ["amp", "&"],
  ["lt", "<"],
  ["gt", ">"],
  ["quot", '"'],
  ["apos", "'"],
]);

/** The value with its character references decoded in one pass, as the tokenizer does; null if it names one we do not know. */
function decodeReferences(value: string): string | null {
  let unknownNamed = false;
  const decoded = value.replace(REFERENCE, (whole, hex: string | undefined, dec: string | undefined, name: string | undefined) => {
    if (name !== undefined) {
      const basic = BASIC_NAMED.get(name);
      if (basic === undefined) unknownNamed = true;
      return basic ?? whole;
    }
    const code = hex === undefined ? Number(dec) : Number.parseInt(hex, 16);
    return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : "\uFFFD";
  });
  return unknownNamed ? null : decoded;
}

const SCHEME = /^([a-z][a-z0-9+.-]*):/;
const COLON_BEFORE_PATH = /^[^/?#]*:/;

/** `s` without the leading C0 controls and spaces that the URL parser drops. */
function withoutLeadingControls(s: string): string {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) <= 0x20) i += 1;
  return s.slice(i);
}

/**
 * Whether one URL, as written in an attribute (character references and all), names a scheme the
 * attribute allows or is relative. The URL parser drops leading C0 controls and spaces and every tab
 * and newline, and reads the scheme case-insensitively: so do we, before we look.
 */
export function urlAllowed(raw: string, attribute: string): boolean {
  const decoded = decodeReferences(raw);
  if (decoded === null) return false;
  const url = withoutLeadingControls(decoded.replace(/[\t\n\r]/g, "")).toLowerCase();
  const scheme = SCHEME.exec(url);
  if (scheme === null) return !COLON_BEFORE_PATH.test(url); // relative, unless something odd precedes a colon
  return schemesFor(attribute).includes(scheme[1] as string);
}

/** Whether an attribute's whole value is allowed: each candidate of a `srcset`, the one URL of the others. */
export function attributeValueAllowed(name: string, value: string): boolean {
  if (!URL_ATTRIBUTES.has(name)) return true;
  if (name !== "srcset") return urlAllowed(value, name);
  return value.split(",").every((candidate) => urlAllowed(candidate.trim().split(/\s+/)[0] ?? "", name));
}

/** Why `name` may not be set on an element named `tag` (or on any element when `tag` is null), or null. */
export function attributeNameProblem(name: string, tag: string | null = null): string | null {
  const lower = name.toLowerCase();
  if (!ATTRIBUTE_NAME.test(lower)) return `the attribute name ${JSON.stringify(name)} is not one HTML defines`;
  if (attributeAllowed(lower, tag)) return null;
  if (lower.startsWith("on")) return `${lower} is an event handler`;
  return `${lower} is not an attribute overrides may set${tag === null ? "" : ` on <${tag}>`}`;
}

/** Why `value` may not be given to the attribute `name`, or null. */
export function attributeValueProblem(name: string, value: string): string | null {
  const lower = name.toLowerCase();
  return attributeValueAllowed(lower, value)
    ? null
    : `${lower} must be a relative URL or one of ${schemesFor(lower).join(", ")} (a hidden scheme counts)`;
}

/** Why `set_attribute` of `name` to `value` is not allowed (on `tag`, or on any element when null), or null. */
export function attributeProblem(name: string, value: string, tag: string | null = null): string | null {
  return attributeNameProblem(name, tag) ?? attributeValueProblem(name, value);
}

// The markup the edge accepts: start tags, end tags and text, tokenised the way the HTML tokenizer does
// in the data state, and nothing it would read another way (comments, `<!`, `<?`, a `/` between
// attributes, an unterminated tag). Stricter than the browser, never looser: whatever the admin's
// sanitiser writes passes; anything unusual is refused rather than interpreted.
const START_TAG = /<([a-zA-Z][a-zA-Z0-9]*)(?=[\s/>])((?:\s+[a-zA-Z][a-zA-Z0-9-]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*\/?>/y;
const END_TAG = /<\/([a-zA-Z][a-zA-Z0-9]*)\s*>/y;
const ATTRIBUTE = /\s+([a-zA-Z][a-zA-Z0-9-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
const TAG_OPEN = /[a-zA-Z/!?]/;

/** Why the edge would not write `html` into a page, or null when it is allowed markup. */
export function markupProblem(html: string): string | null {
  let at = html.indexOf("<");
  while (at !== -1) {
    if (!TAG_OPEN.test(html[at + 1] ?? "")) {
      at = html.indexOf("<", at + 1); // "< 5": the tokenizer reads it as text
      continue;
    }
    END_TAG.lastIndex = at;
    START_TAG.lastIndex = at;
    const end = END_TAG.exec(html);
    const start = end === null ? START_TAG.exec(html) : null;
    const match = end ?? start;
    if (match === null) return `markup at character ${at} is not a plain start or end tag`;
    const tag = (match[1] as string).toLowerCase();
    if (!elementAllowed(tag)) return `<${tag}> is not an element overrides may write`;
    if (start !== null) {
      for (const a of (start[2] as string).matchAll(ATTRIBUTE)) {
        const name = (a[1] as string).toLowerCase();
        const problem = attributeProblem(name, a[2] ?? a[3] ?? a[4] ?? "", tag);
        if (problem !== null) return `in <${tag}>: ${problem}`;
      }
    }
    at = html.indexOf("<", at + match[0].length);
  }
  return null;
}

/** The fields of an override the edge's guard reads (structurally the `Override` of overrides.ts). */
export interface GuardedOverride {
  readonly action: string;
  readonly attribute?: string | undefined;
  readonly value?: string | undefined;
}

/**
 * Why the edge must not apply `o` for an experiment that does not allow script overrides, or null.
 * Checks what can be known without the page: the HTML a value writes, an attribute's name and URL.
 * Which element a selector matches is checked as the page streams (`NEVER_WRITTEN`, `attributeAllowed`).
 */
export function unsafeOverride(o: GuardedOverride): string | null {
  switch (o.action) {
    case "set_attribute":
      return attributeProblem(o.attribute ?? "", o.value ?? "");
    case "set_html":
    case "append":
    case "prepend":
      return markupProblem(o.value ?? "");
    default:
      return null;
  }
}
