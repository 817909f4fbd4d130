// Experiments that span pages: an audience whose every condition must hold (`match: "all"`) and which
// has a `path` condition with `in` or `equals` (`path in ["/blog/*", "/docs/**"]`) confines its
// experiment to the pages those patterns match. The edge routes a GET or HEAD of such a page to the
// experiment as it routes the target page, so the experiment can run on every page of the pattern
// (docs/audiences.md, "Experiments that span pages"). Other path conditions (`not_in`, `contains`, or
// any under `match: "any"`) do not confine anything: they only filter requests routed by the target page.
import type { Audience } from "./audience.ts";
import { compilePathPatterns } from "./path-pattern.ts";

/**
 * A test of the paths an audience confines its experiment to, or null when it confines it to none.
 * With several such conditions a path must match each.
 *
 * @example
 * const routed = routedPaths({ match: "all", conditions: [{ attribute: "path", operator: "in", values: ["/blog/*"] }] });
 * routed?.("/blog/hello"); // true
 */
export function routedPaths(audience: Audience | null | undefined): ((path: string) => boolean) | null {
  if (audience === null || audience === undefined || audience.match !== "all") return null;
  const tests: RegExp[] = [];
  for (const c of audience.conditions) {
    if (c.attribute === "path" && (c.operator === "in" || c.operator === "equals") && c.values.length > 0) {
      tests.push(compilePathPatterns(c.values));
    }
  }
  if (tests.length === 0) return null;
  const [only] = tests;
  if (tests.length === 1 && only !== undefined) return (path) => only.test(path);
  return (path) => tests.every((t) => t.test(path));
}
