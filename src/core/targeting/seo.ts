// Variant pages are ordinary paths of the site (`/pricing-b`), so a crawler can reach them by a link
// and index them as pages of their own. A direct request for a variant page's path therefore answers
// with `X-Robots-Tag: noindex` and `Link: <target page>; rel="canonical"`, the target page as an
// absolute URL on the request's own origin (search engines want canonical URLs absolute).
import { normalizePath } from "../paths.ts";

export interface VariantPages {
  /** Normalized variant page path → the target page it is a variant of (as configured). */
  readonly targetOf: ReadonlyMap<string, string>;
}

/**
 * The variant pages of a config's experiments, prepared once. A page that is itself a target page
 * (of this or any experiment) is not a variant page: it keeps its own indexing.
 */
export function variantPagesOf(
  experiments: ReadonlyArray<{ readonly target_page: string; readonly variants: ReadonlyArray<{ readonly page?: string | undefined }> }>,
): VariantPages {
  const targets = new Set(experiments.map((e) => normalizePath(e.target_page)));
  const targetOf = new Map<string, string>();
  for (const e of experiments) {
    for (const v of e.variants) {
      if (v.page === undefined) continue;
      const path = normalizePath(v.page);
      if (!targets.has(path) && !targetOf.has(path)) targetOf.set(path, e.target_page);
    }
  }
  return { targetOf };
}

/** `scheme://host[:port]` of an absolute URL. */
function originOf(url: string): string {
  try {
    return new URL(url).origin; // a direct request for a variant page is rare: parsing is fine here
  } catch {
    return "";
  }
}

/** The headers for a direct request of a variant page, or null when `path` (normalized) is not one. */
export function variantPageHeaders(pages: VariantPages, path: string, requestUrl: string): { "x-robots-tag": string; link: string } | null {
  const target = pages.targetOf.get(path);
  if (target === undefined) return null;
  return { "x-robots-tag": "noindex", link: `<${originOf(requestUrl)}${target}>; rel="canonical"` };
}
