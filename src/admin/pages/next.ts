// Where sign-in (and a row action on the list) returns to: only a page of the admin itself, given as a
// relative path. Anything a browser could read as another site (`//evil`, `/\evil`, `https://evil`,
// encoded or with control characters) is refused, so a link cannot turn sign-in into an open redirect.

/** `raw` when it is a path under `base` (with its query), else null. */
export function safeNext(raw: unknown, base: string): string | null {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > 2000) return null;
  // Only path characters, no backslash, no whitespace or controls (browsers strip some and turn \ into /).
  if (!/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/.test(raw) || raw.startsWith("//")) return null;
  let url: URL;
  try {
    url = new URL(raw, "https://admin.invalid");
  } catch {
    return null;
  }
  if (url.origin !== "https://admin.invalid") return null;
  const path = url.pathname;
  if (path !== base && !path.startsWith(`${base}/`)) return null;
  // The parsed form must be what was given: `..` or encoded separators would name another page.
  if (`${path}${url.search}` !== raw) return null;
  if (/%2f|%5c|%2e/i.test(path)) return null;
  return raw;
}
