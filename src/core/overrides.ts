// Inline overrides (docs/overrides.md) as operators save them: the zod schema, which applies the rules
// of override-rules.ts (selector, fields per action) to every override before anything is saved. What
// an override may write without the experiment's `allow_script_overrides` is the allow-list of
// markup-policy.ts, applied on save by edit-rules.ts (with the sanitiser) and again at the edge.
import * as z from "zod";
import { LIMITS, OVERRIDE_ACTIONS } from "./field-rules.ts";
import { overrideProblem, selectorProblem } from "./override-rules.ts";

export { OVERRIDE_ACTIONS, overrideProblem, selectorProblem } from "./override-rules.ts";

/** One inline override, as an operator saves it (docs/overrides.md). */
export const Override = z
  .strictObject({
    selector: z.string().min(1).max(LIMITS.maxSelectorLength),
    action: z.enum(OVERRIDE_ACTIONS),
    attribute: z.string().min(1).max(LIMITS.maxAttributeLength).optional(),
    value: z.string().max(LIMITS.maxOverrideValueLength).optional(),
  })
  .superRefine((o, ctx) => {
    const selector = selectorProblem(o.selector);
    if (selector !== null) ctx.addIssue({ code: "custom", path: ["selector"], message: `the selector ${selector}` });
    const incomplete = overrideProblem(o);
    if (incomplete !== null) ctx.addIssue({ code: "custom", path: [incomplete.field], message: incomplete.message });
  });
export type Override = z.infer<typeof Override>;
