// The experiment editor: one form, one section per concern (form.ts's SECTIONS), errors beside their
// fields with a summary at the top that links to each, and a datalist of the site's paths for every
// page field. Pressing Enter saves (a hidden first submit button), never removes a variant.
import { esc } from "../../html.ts";
import { csrfField, layout, type PageContext } from "../layout.ts";
import { errorParts, fieldId } from "./fields.ts";
import { SECTIONS } from "./form.ts";
import type { EditorMode, EditorView, FieldErrors, Fields } from "./section.ts";

export type { EditorMode, FieldErrors, Fields } from "./section.ts";

export function editorPage(
  ctx: PageContext,
  mode: EditorMode,
  f: Fields,
  errors: FieldErrors,
  sitePaths: readonly string[],
  name: string | null = null,
  plan?: EditorView["plan"],
): string {
  const v: EditorView = { ctx, mode, f, errors, sitePaths, plan };
  const creating = mode.id === null;
  const action = creating ? `${ctx.base}/experiments/new` : `${ctx.base}/experiments/${mode.id}/edit`;
  const fieldCount = [...errors.byField.values()].reduce((n, l) => n + l.length, 0);
  const summary =
    fieldCount === 0 && errors.general.length === 0
      ? ""
      : `<div class="error" role="alert" tabindex="-1" id="errors"><p><strong>${
          fieldCount === 0
            ? "The experiment was not saved."
            : `The experiment was not saved: ${fieldCount === 1 ? "one field needs" : `${fieldCount} fields need`} attention.`
        }</strong></p>${errors.general.map((g) => `<p>${esc(g)}</p>`).join("")}${
          fieldCount === 0
            ? ""
            : `<ul>${[...errors.byField.entries()]
                .map(([field, words]) => `<li><a href="#${fieldId(field)}">${esc(words.join(" "))}</a></li>`)
                .join("")}</ul>`
        }</div>`;
  const live = mode.state === "live" || mode.state === "paused";
  const reset = errorParts(v, "confirm_reset", null);
  const title = creating ? "New experiment" : `Edit ${name ?? "experiment"}`;
  const datalist = `<datalist id="site-paths">${sitePaths.map((p) => `<option value="${esc(p)}"></option>`).join("")}</datalist>`;
  return layout(
    ctx,
    title,
    `<p class="crumbs"><a href="${ctx.base}/experiments/">Experiments</a>${
      creating ? "" : ` › <a href="${ctx.base}/experiments/${mode.id}">${esc(name ?? "experiment")}</a>`
    } › ${creating ? "new" : "edit"}</p>
<h1>${esc(title)}</h1>${summary}
<form method="post" action="${action}" class="editor" novalidate>${csrfField(ctx)}
<button class="default-submit" name="intent" value="save" tabindex="-1" aria-hidden="true">Save</button>
${SECTIONS.map((s) => s.render(v)).join("\n")}
${datalist}
${
  live
    ? `<div class="check warn${reset.html === "" ? "" : " has-error"}"><input type="checkbox" id="${fieldId("confirm_reset")}" name="confirm_reset" value="reset"${
        f.confirm_reset === "reset" ? " checked" : ""
      }${reset.attrs}><label for="${fieldId("confirm_reset")}">I understand that changing variants or shares resets the sample to zero</label>${reset.html}</div>`
    : ""
}
<div class="form-actions"><button name="intent" value="save">${creating ? "Create experiment" : "Save changes"}</button> <a href="${
      creating ? `${ctx.base}/experiments/` : `${ctx.base}/experiments/${mode.id}`
    }">Cancel</a></div>
</form>`,
  );
}
