// The visitor's language, from Accept-Language (RFC 9110 §12.5.4).
//
// The visitor's language is the ONE range the header prefers: the highest q-value above 0, the first
// listed among equals, ignoring `*`. Not every listed range: browsers append English to most lists
// (a German Chrome sends `de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7`), so "any listed range" would put
// nearly every visitor in an English audience. The tag is compared in lower case (language tags are
// case-insensitive), and a condition's value matches it by RFC 4647 basic filtering: `en` matches
// `en`, `en-US` and `en-GB`; `en-GB` matches `en-GB` and `en-GB-oxendict`, not `en` nor `en-US`.

/** Largest header read: a longer one is cut here (browsers send well under 200 characters). */
const MAX_HEADER = 1024;

/**
 * The preferred language range of an Accept-Language header, lower-cased, or undefined when the
 * header is missing or names no language with q > 0.
 */
export function preferredLanguage(header: string | null | undefined): string | undefined {
  if (header === null || header === undefined || header.length === 0) return undefined;
  const text = header.length > MAX_HEADER ? header.slice(0, MAX_HEADER) : header;
  let best: string | undefined;
  let bestQ = 0;
  let from = 0;
  while (from <= text.length) {
    let end = text.indexOf(",", from);
    if (end === -1) end = text.length;
    const semi = text.indexOf(";", from);
    const tagEnd = semi !== -1 && semi < end ? semi : end;
    const tag = text.slice(from, tagEnd).trim();
    if (tag.length > 0 && tag !== "*" && LANGUAGE_RANGE.test(tag)) {
      const q = tagEnd < end ? qValue(text.slice(tagEnd + 1, end)) : 1;
      if (q > bestQ) {
        bestQ = q;
        best = tag;
        if (q === 1) break; // nothing can beat 1, and ties keep the first
      }
    }
    from = end + 1;
  }
  return best?.toLowerCase();
}

/** A language range as RFC 4647 writes it (1–8 letters, then subtags of 1–8 letters or digits). */
export const LANGUAGE_RANGE = /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/;

/** The q of `;q=0.8` parameters (1 when absent; 0 for anything malformed, which drops the range). */
function qValue(params: string): number {
  for (const part of params.split(";")) {
    const p = part.trim();
    if (p.length >= 2 && (p[0] === "q" || p[0] === "Q") && p[1] === "=") {
      const v = p.slice(2).trim();
      return /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(v) ? Number(v) : 0;
    }
  }
  return 1;
}

/** Whether `range` (lower case) admits the visitor's `tag` (lower case): equal, or a prefix up to a `-`. */
export function languageMatches(range: string, tag: string): boolean {
  return tag === range || (tag.length > range.length && tag.startsWith(range) && tag.charCodeAt(range.length) === 45);
}
