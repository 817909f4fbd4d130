// A page that depends on an assignment must not be kept by a shared cache, and a browser must ask again
// before reusing it (a pause or a conclusion shows on the next visit). The edge says so with
// `Cache-Control: private, no-cache`, unless the origin already said as much: then its header stays,
// for two reasons. The origin may have said more (`no-store` on a sensitive page must not be weakened to
// `private`), and a response whose headers are left alone is served without the runtime work of
// changing them (a few percent of a passthrough request here: npm run bench:steps, bench/README.md).

/** A header without either word (in any case) has neither directive. */
const MAY_BE_PRIVATE = /private|no-store/i;

/** True when `value` already keeps the response out of shared caches and from being reused unasked. */
export function alreadyPrivate(value: string | null): boolean {
  // Most pages say `public, max-age=…` or nothing of the kind: one scan of the header answers them.
  if (value === null || !MAY_BE_PRIVATE.test(value)) return false;
  let isPrivate = false;
  let noCache = false;
  for (const part of value.split(",")) {
    // Only the bare directives count: `private="Set-Cookie"` still lets a shared cache keep the rest.
    const directive = part.trim().toLowerCase();
    if (directive === "no-store") return true;
    if (directive === "private") isPrivate = true;
    else if (directive === "no-cache") noCache = true;
  }
  return isPrivate && noCache;
}
