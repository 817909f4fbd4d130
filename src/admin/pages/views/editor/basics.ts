// Name, slug and target page. The slug names the assignment cookie and the target page is where the
// edge acts, so both are fixed once the experiment has started.

import { textField } from "./fields.ts";
import type { EditorSection } from "./section.ts";

export const basics: EditorSection = {
  fields: (r) => ({ name: r.name ?? "", slug: r.slug ?? "", target_page: r.target_page ?? "" }),
  input: (f, base, mode) => ({
    name: f.name ?? "",
    slug: mode.started && base.slug !== undefined ? base.slug : (f.slug ?? "").trim(),
    target_page: mode.started && base.target_page !== undefined ? base.target_page : (f.target_page ?? "").trim(),
  }),
  render: (v) => `<fieldset><legend>Experiment</legend>
${textField(v, "name", "Name", { required: true, hint: "Shown to operators only." })}
<div class="grid-2">${textField(v, "slug", "Slug", {
    required: true,
    readonly: v.mode.started,
    hint: "Lowercase letters, digits and hyphens; it names the cookie <code>sgen-ab-&lt;slug&gt;</code>.",
  })}
${textField(v, "target_page", "Target page", {
  required: true,
  readonly: v.mode.started,
  placeholder: "/pricing",
  list: "site-paths",
  hint: "The path on your site where visitors are split.",
})}</div></fieldset>`,
};
