// Checks of single fields that more than one of the edge's parsers reads (edge-config.ts and
// targeting/parse.ts), built on checks.ts from the rules of field-rules.ts and paths.ts.
import { type Check, refined, text } from "./checks.ts";
import { SLUG_MESSAGE, SLUG_PATTERN } from "./field-rules.ts";
import { samePathProblem } from "./paths.ts";

/** A slug: an experiment's, a variant's, a layer's or a holdout's. */
export const slug: Check<string> = text({ pattern: SLUG_PATTERN, message: SLUG_MESSAGE });

/** A path of the site (`/pricing`), in the one spelling every comparison uses. */
export const sitePath: Check<string> = refined(text(), (s) => {
  const problem = samePathProblem(s);
  return problem === null ? null : `a same-site path ${problem}`;
});
