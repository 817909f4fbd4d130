// Variant pages, target pages and goal paths are same-site paths. The edge fetches them from the
// origin, so a value that a URL parser would read as another host (`//evil.example`, `/\evil.example`,
// `https://…`) must never get through, nor one that walks out of the site's tree, in any spelling a
// URL parser or an origin server may decode (`/a/../b`, `/a/.%2e/b`, `/a/%2E%2E/b`, `/a/..;/b`,
// `/a/%c0%ae%c0%ae/b`, `/a/%ef%bc%8e%ef%bc%8e/b`, `/a/%252e%252e/b`).
//
// Two paths are the same page when their canonical forms (`canonicalPath`) are equal: that is how the
// edge matches a request to a target page or a goal, and how the catalog compares pages (a variant
// pointing back at its own target page, a chain of experiments, a busy target page).

const PATH_CHARS = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;
const PERCENT_TRIPLET = /%[0-9A-Fa-f]{2}/g;
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;
const NON_ASCII = /[\u0080-\uffff]/;
const SLASH_LOOKALIKES = /[\\\u2044\u2215\u2216\u29f5\u29f8\u29f9]/;

/**
 * Whether `segment` (one path segment, possibly percent-encoded) could be read as `.` or `..` by a URL
 * parser or a lenient origin: decoded once (the WHATWG parser's `%2e`), in the Unicode compatibility
 * form (a fullwidth `．` is `.` to a server that applies NFKC), with a `;parameter` tail removed (`..;`
 * is `..` to servlet containers), and made of nothing but dots and spaces (Windows servers trim trailing
 * dots and spaces, so `... ` and `.. ` are `..` there). No real page has such a name.
 */
export function isDotSegment(segment: string): boolean {
  const encoded = segment.includes("%");
  if (!encoded && !segment.includes(".")) return false; // the common case: a plain name without a dot
  let decoded = segment;
  if (encoded) {
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return false; // not UTF-8: refused on its own by samePathProblem
    }
  }
  const plain = NON_ASCII.test(decoded) ? decoded.normalize("NFKC") : decoded;
  const semi = plain.indexOf(";");
  const name = semi === -1 ? plain : plain.slice(0, semi);
  return /^[.\s]+$/.test(name);
}

/** What is wrong with a path that holds a character no URL path may. */
export const PATH_CHARS_PROBLEM = "may hold only URL path characters (no query, fragment, spaces or backslashes)";

/** Why `path` is not an acceptable same-site path, or null when it is. */
export function samePathProblem(path: string): string | null {
  if (path.length === 0 || path[0] !== "/") return "must start with /";
  if (path.length > 1024) return "must be at most 1024 characters";
  if (path.startsWith("//")) return "must be a path on this site, not //host";
  if (!PATH_CHARS.test(path)) return PATH_CHARS_PROBLEM;
  if (!path.includes("%")) return dotSegmentProblem(path); // nothing encoded: nothing to decode
  if (BAD_PERCENT.test(path)) return "may use % only as a %XX escape";
  const lower = path.toLowerCase();
  // Double encoding (%252e is %2e once an origin decodes it) and encoded separators or control bytes.
  if (/%25[0-9a-f]{2}/.test(lower)) return "may not contain double-encoded characters (%25XX)";
  if (/%2f|%5c|%0[0-9a-f]|%1[0-9a-f]|%7f/.test(lower)) return "may not contain encoded slashes, backslashes or control characters";
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return "must be percent-encoded UTF-8 (no overlong or broken sequences)";
  }
  // A character an origin may fold into a separator: a fullwidth ／ or ＼ becomes / or \ under NFKC, and
  // Windows' best-fit mapping turns the division, set-minus and fraction slashes into / and \.
  const folded = decoded.normalize("NFKC");
  if (SLASH_LOOKALIKES.test(folded) || folded.split("/").length !== decoded.split("/").length) {
    return "may not contain characters that read as a slash or backslash";
  }
  return dotSegmentProblem(path);
}

function dotSegmentProblem(path: string): string | null {
  for (const segment of path.split("/")) {
    if (isDotSegment(segment)) return "may not contain . or .. segments, in any encoding";
  }
  return null;
}

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/** `%7e` → `~`, `%41` → `A` (unreserved characters need no escape); any other escape in upper case. */
function normalizeEscape(triplet: string): string {
  const ch = String.fromCharCode(Number.parseInt(triplet.slice(1), 16));
  return UNRESERVED.test(ch) ? ch : triplet.toUpperCase();
}

/**
 * The canonical form of a path, in which two spellings of one page compare equal (RFC 3986, section
 * 6.2.2): escapes of unreserved characters decoded and other escapes in upper case, dot segments
 * removed (after that decoding, so `.%2e` is `..`), runs of slashes collapsed, and no trailing slash
 * except on the root. The path of a request URL, already parsed by the runtime, is nearly always in
 * this form: one scan of the path (NEEDS_WORK) keeps that case to a single pass over a short string.
 */
export function canonicalPath(path: string): string {
  let p = path;
  if (NEEDS_WORK.test(p)) {
    if (p.includes("%")) p = p.replace(PERCENT_TRIPLET, normalizeEscape);
    if (p.includes("//")) p = p.replace(/\/{2,}/g, "/");
    if (p.includes("/.")) p = removeDotSegments(p);
  }
  return p.length > 1 && p.endsWith("/") ? p.slice(0, -1) : p;
}

/** An escape, a run of slashes or a segment starting with a dot: the only things canonicalPath changes besides a trailing slash. */
const NEEDS_WORK = /%|\/[/.]/;

/** RFC 3986, section 5.2.4, on a path that starts with `/` and has no empty segments. */
function removeDotSegments(path: string): string {
  const out: string[] = [];
  const segments = path.split("/").slice(1);
  segments.forEach((s, i) => {
    const last = i === segments.length - 1;
    if (s === ".") {
      if (last) out.push("");
    } else if (s === "..") {
      out.pop();
      if (last) out.push("");
    } else out.push(s);
  });
  return `/${out.join("/")}`;
}

/**
 * The form a request path is matched in: `canonicalPath`. (`/pricing/`, `/pricing` and `/%70ricing` are
 * the same page.) The root stays `/`. Matching is on the path only; the query string is kept on the way
 * to the origin.
 */
export function normalizePath(pathname: string): string {
  return canonicalPath(pathname);
}

/** Whether two same-site paths name the same page. */
export function samePage(a: string, b: string): boolean {
  return a === b || canonicalPath(a) === canonicalPath(b);
}
