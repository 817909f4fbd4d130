// The path of an absolute request URL, and the same URL with another path, by string operations: the
// edge needs only these two, on every request, and parsing a whole URL object for them costs more
// than everything else it does for a page that runs no experiment.

/** The path of `url` (an absolute URL as a request carries it), without query or fragment. */
export function urlPath(url: string): string {
  const scheme = url.indexOf("://");
  const start = url.indexOf("/", scheme === -1 ? 0 : scheme + 3);
  if (start === -1) return "/";
  let end = url.length;
  const q = url.indexOf("?", start);
  if (q !== -1) end = q;
  const h = url.indexOf("#", start);
  if (h !== -1 && h < end) end = h;
  return url.slice(start, end);
}

/** `url` with its path replaced by `path` (a same-site path), the query kept, the fragment dropped. */
export function withPath(url: string, path: string): string {
  const scheme = url.indexOf("://");
  const from = scheme === -1 ? 0 : scheme + 3;
  const hash = url.indexOf("#", from);
  const noFragment = hash === -1 ? url : url.slice(0, hash);
  const start = noFragment.indexOf("/", from);
  const q = noFragment.indexOf("?", from);
  const pathStart = start === -1 || (q !== -1 && q < start) ? (q === -1 ? noFragment.length : q) : start;
  return `${noFragment.slice(0, pathStart)}${path}${q === -1 ? "" : noFragment.slice(q)}`;
}
