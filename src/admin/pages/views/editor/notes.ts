// Notes, and the opt-in for overrides that run script, which only an Administrator may give: for any
// other role the box is shown as it stands and the saved value is the record's.
import { textArea } from "./fields.ts";
import type { EditorSection } from "./section.ts";

export const notes: EditorSection = {
  fields: (r) => ({ notes: r.notes ?? "", allow_script_overrides: r.allow_script_overrides === true ? "on" : "" }),
  input: (f, base, mode) => ({
    notes: f.notes ?? "",
    allow_script_overrides: mode.canAllowScripts ? f.allow_script_overrides === "on" : base.allow_script_overrides === true,
  }),
  render: (
    v,
  ) => `<fieldset><legend>Notes</legend>${textArea(v, "notes", "Notes (optional)", { rows: 3, hint: "Hypothesis, links, anything the team should know." })}
<div class="check warn"><input type="checkbox" id="f-allow-script-overrides" name="allow_script_overrides"${v.f.allow_script_overrides === "on" ? " checked" : ""}${
    v.mode.canAllowScripts ? "" : " disabled"
  }><label for="f-allow-script-overrides">Allow overrides beyond the allow-list of safe markup (scripts, event handlers, styles, iframes)${
    v.mode.canAllowScripts ? "" : ": only an Administrator may change this"
  }</label></div></fieldset>`,
};
