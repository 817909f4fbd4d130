// The HTML of an override (set_html, append, prepend), read the way a browser reads it and held to the
// allow-list of markup-policy.ts. Parsing is parse5's (the WHATWG parsing algorithm, so this module sees
// the tree the browser will build, which is where mutation XSS lives), sanitising hast-util-sanitize's
// (an allow-list of elements, attributes and URL protocols over that tree), serialising
// hast-util-to-html's. All three are pure JavaScript: they run in workerd and in Node without a DOM.
// This module is for the admin side only; the edge never imports it (it re-checks with markup-policy.ts).
//
// The policy is refusal: a value that would lose anything to the sanitiser is not saved, and the caller
// is told what would go. A value that loses nothing is stored as the sanitiser writes it (the same
// elements, attributes and text; tags closed, attributes quoted), so what the edge serves is the
// sanitiser's own output, never a string that was only looked at.
import type { Element, Nodes, Root } from "hast";
import { fromParse5 } from "hast-util-from-parse5";
import { type Schema, sanitize } from "hast-util-sanitize";
import { toHtml } from "hast-util-to-html";
import { parseFragment, Tokenizer } from "parse5";
import { find, html as htmlSpace } from "property-information";
import { attributeAllowed, ELEMENT_ATTRIBUTES, GLOBAL_ATTRIBUTES, markupProblem, schemesFor, URL_ATTRIBUTES } from "./markup-policy.ts";

const property = (attribute: string): string => find(htmlSpace, attribute).property;

const ARIA_PROPERTIES = Object.values(htmlSpace.property)
  .filter((info) => info.attribute.startsWith("aria-"))
  .map((info) => info.property);

/** Removed together with everything inside them (their text is code, CSS or a document of its own). */
const STRIPPED = ["script", "style", "template", "noscript", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "plaintext"];

// Every key is set: hast-util-sanitize merges a schema over its GitHub-style default one key at a time.
const SCHEMA: Schema = {
  tagNames: Object.keys(ELEMENT_ATTRIBUTES),
  attributes: {
    ...Object.fromEntries(Object.entries(ELEMENT_ATTRIBUTES).map(([tag, attributes]) => [tag, attributes.map(property)])),
    "*": [...[...GLOBAL_ATTRIBUTES].map(property), ...ARIA_PROPERTIES],
  },
  protocols: Object.fromEntries([...URL_ATTRIBUTES].map((a) => [property(a), [...schemesFor(a)]])),
  strip: [...STRIPPED, "svg", "math"],
  ancestors: {},
  required: {},
  clobber: [],
  clobberPrefix: "",
  allowComments: false,
  allowDoctypes: false,
};

function parse(value: string): Root {
  return fromParse5(parseFragment(value)) as Root;
}

const ignore = (): void => {};

/**
 * What the HTML tokenizer finds wrong with `value` (an unterminated tag, a `/` between attributes, an
 * unquoted value with `=` in it …), and the start tags it reads that the parser then drops (a `<body>`
 * or `<frameset>` in an element's content: in the page, a stray `<body onload>` adds its attributes to
 * the page's own body). Markup that is read one way here and may be read another way in the page is
 * refused rather than guessed at.
 */
function malformations(value: string, tree: Root): string[] {
  const out: string[] = [];
  const started = new Map<string, number>();
  const tokenizer = new Tokenizer(
    { sourceCodeLocationInfo: false },
    {
      onStartTag: (token) => void started.set(token.tagName, (started.get(token.tagName) ?? 0) + 1),
      onParseError: (error) => void out.push(`malformed HTML at character ${error.startOffset} (${error.code})`),
      onEndTag: ignore,
      onComment: ignore,
      onDoctype: ignore,
      onEof: ignore,
      onCharacter: ignore,
      onNullCharacter: ignore,
      onWhitespaceCharacter: ignore,
    },
  );
  tokenizer.write(value, true);
  const built = new Map<string, number>();
  visit(tree, (e) => void built.set(e.tagName, (built.get(e.tagName) ?? 0) + 1));
  for (const [tag, count] of started) {
    if ((built.get(tag) ?? 0) < count) out.push(`the <${tag}> tag, which does not belong inside an element`);
  }
  return out;
}

function visit(node: Root | Element, f: (e: Element) => void): void {
  for (const child of node.children) {
    if (child.type !== "element") continue;
    f(child);
    visit(child, f);
  }
}

const attributeName = (key: string): string => find(htmlSpace, key).attribute;

/** What the sanitiser takes from `node`'s subtree, in words an operator can act on. */
function removals(node: Root | Element, out: Set<string>): void {
  for (const child of node.children) {
    if (child.type === "comment") out.add("an HTML comment");
    else if (child.type === "doctype") out.add("a doctype");
    if (child.type !== "element") continue;
    const tag = child.tagName;
    // The library's verdict on this element alone: kept (with which attributes), or removed.
    const alone = sanitize({ type: "root", children: [{ ...child, children: [] }] }, SCHEMA) as Nodes;
    const kept = alone.type === "element" ? alone : alone.type === "root" ? alone.children.find((c) => c.type === "element") : undefined;
    if (kept === undefined) {
      out.add(`the <${tag}> element`);
      if (SCHEMA.strip?.includes(tag)) continue;
    } else {
      for (const [key, value] of Object.entries(child.properties)) {
        const after = kept.properties[key];
        const name = attributeName(key);
        const why =
          URL_ATTRIBUTES.has(name) && attributeAllowed(name, tag)
            ? ` (a URL must be relative or ${schemesFor(name).join(", ")}, in lower case)`
            : "";
        if (after === undefined) out.add(`the ${name} attribute of <${tag}>${why}`);
        else if (JSON.stringify(after) !== JSON.stringify(value)) out.add(`part of the ${name} attribute of <${tag}>${why}`);
      }
    }
    removals(child, out);
  }
}

export interface SanitizedHtml {
  /** The value as it is stored and served: the sanitiser's serialisation. */
  readonly html: string;
  /** What the sanitiser would remove; empty when the value may be saved. */
  readonly removed: readonly string[];
}

/** `value` read as HTML and held to the allow-list (see the module comment for the policy). */
export function sanitizeHtml(value: string): SanitizedHtml {
  const tree = parse(value);
  const clean = toHtml(sanitize(tree, SCHEMA));
  const removed = new Set<string>(malformations(value, tree));
  removals(tree, removed);
  // Whatever the element-by-element account missed still shows as a difference in the output.
  if (removed.size === 0 && clean !== toHtml(tree)) removed.add("markup the sanitiser rewrites");
  // Serialised and read again, the value must stay what it is: a tree that changes when re-parsed is
  // how mutation XSS passes sanitisers.
  if (removed.size === 0 && toHtml(parse(clean)) !== clean) removed.add("markup that changes when read again");
  // The edge re-checks every published value with its own small reader; what it would refuse is not saved.
  const edge = removed.size === 0 ? markupProblem(clean) : null;
  if (edge !== null) removed.add(`markup the edge would refuse (${edge})`);
  return { html: clean, removed: [...removed] };
}
