// Path patterns for audiences that span pages (`path in ["/blog/*", "/docs/**"]`).
//
// The language, kept small on purpose (docs/audiences.md):
// - a pattern is a same-site path: it starts with `/` and holds URL path characters and `*`;
// - a segment that is exactly `**` matches zero or more whole segments: `/docs/**` matches `/docs`,
//   `/docs/a` and `/docs/a/b`; `/**` matches every path;
// - any other `*` matches a run (possibly empty) of characters other than `/`, so `/blog/*` matches
//   `/blog/a` but neither `/blog` nor `/blog/a/b`, and `/shop/*.html` matches `/shop/x.html`;
// - everything else is literal and case-sensitive, as URL paths are;
// - a pattern and a request path are both taken in the form target pages are matched in
//   (`normalizePath`: a trailing slash does not count), so `/blog/` and `/blog` are one pattern.
// A pattern is compiled once per config into one anchored regular expression; a request costs one
// `RegExp.test` for all the patterns of a condition.
import { isDotSegment, normalizePath, PATH_CHARS_PROBLEM } from "../paths.ts";

const PATTERN_CHARS = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;
export const MAX_PATTERN_LENGTH = 1024;

/** Why `pattern` is not a valid path pattern, or null when it is. */
export function pathPatternProblem(pattern: string): string | null {
  if (pattern.length === 0 || pattern[0] !== "/") return "a path pattern must start with /";
  if (pattern.length > MAX_PATTERN_LENGTH) return `a path pattern may have at most ${MAX_PATTERN_LENGTH} characters`;
  if (!PATTERN_CHARS.test(pattern)) return `a path pattern, * aside, ${PATH_CHARS_PROBLEM}`;
  for (const segment of pattern.split("/")) {
    if (segment.includes("**") && segment !== "**") return "** must be a whole segment, as in /docs/**";
    if (isDotSegment(segment)) return "a path pattern may not contain . or .. segments, in any encoding";
  }
  return null;
}

const escapeLiteral = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The regular-expression source of one valid pattern, anchored by the caller. */
function patternSource(pattern: string): string {
  const normalized = normalizePath(pattern);
  if (normalized === "/**") return "/.*|";
  const segments = normalized.split("/").slice(1);
  let out = "";
  for (const segment of segments) {
    if (segment === "**") out += "(?:/.*)?";
    else out += `/${segment.split("*").map(escapeLiteral).join("[^/]*")}`;
  }
  return out === "" ? "/" : out;
}

/**
 * One matcher for a list of valid patterns: true when the (normalized) path matches any of them.
 * The caller has checked each pattern with `pathPatternProblem`.
 */
export function compilePathPatterns(patterns: readonly string[]): RegExp {
  return new RegExp(`^(?:${patterns.map((p) => `(?:${patternSource(p)})`).join("|")})$`);
}

/** Whether a request path matches `pattern` (both normalized). For tools and tests; the edge compiles. */
export function matchesPathPattern(pattern: string, path: string): boolean {
  return compilePathPatterns([pattern]).test(normalizePath(path));
}
