// Variant pages and target pages are same-site paths. The edge fetches them from the origin, so a value
// that a URL parser would read as another host (`//evil.example`, `/\evil.example`, `https://…`) must
// never get through, nor one that walks out of the site's tree (`/a/../..`).

const PATH_CHARS = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;

/** Why `path` is not an acceptable same-site path, or null when it is. */
export function samePathProblem(path: string): string | null {
  if (path.length === 0 || path[0] !== "/") return "must start with /";
  if (path.length > 1024) return "must be at most 1024 characters";
  if (path.startsWith("//")) return "must be a path on this site, not //host";
  if (!PATH_CHARS.test(path)) return "may hold only URL path characters (no query, fragment, spaces or backslashes)";
  const lower = path.toLowerCase();
  for (const segment of lower.split("/")) {
    if (segment === ".." || segment === "." || segment === "%2e%2e" || segment === "%2e") {
      return "may not contain . or .. segments";
    }
  }
  if (/%2f|%5c|%00/.test(lower)) return "may not contain encoded slashes, backslashes or NUL";
  return null;
}

/**
 * The form a request path is matched in: `/pricing/` and `/pricing` are the same page. The root stays `/`.
 * Matching is on the path only; the query string is kept on the way to the origin.
 */
export function normalizePath(pathname: string): string {
  return pathname.length > 1 && pathname.endsWith("/") ? pathname.slice(0, -1) : pathname;
}
