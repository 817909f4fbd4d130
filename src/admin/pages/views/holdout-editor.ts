// A holdout's form (Administrators: `holdouts.manage`): slug, name, the share held out, the layer it
// covers (empty: every experiment), its goals one a line, notes. A change of slug, share or layer
// changes who is held, so it needs the "restart the counts" box, as a running experiment's shares do.
import type { HoldoutRecord } from "../../../core/holdout-schema.ts";
import { esc } from "../html.ts";
import { goalLine, goalsFromLines } from "../metrics-fields.ts";
import { errorParts, fieldId, textArea, textField } from "./editor/fields.ts";
import type { EditorView, FieldErrors, Fields } from "./editor/section.ts";
import { csrfField, layout, type PageContext } from "./layout.ts";

export function holdoutFormFromRecord(r: HoldoutRecord | null): Fields {
  return {
    slug: r?.slug ?? "",
    name: r?.name ?? "",
    percent: r === null ? "5" : String(r.percent),
    layer: r?.layer ?? "",
    goals: (r?.goals ?? []).map(goalLine).join("\n"),
    notes: r?.notes ?? "",
  };
}

/** The holdout input the form describes (unvalidated; HoldoutInput validates and names each field). */
export function holdoutInputFromForm(f: Fields): Record<string, unknown> {
  const percent = (f.percent ?? "").trim();
  const layer = (f.layer ?? "").trim();
  return {
    slug: (f.slug ?? "").trim(),
    name: (f.name ?? "").trim(),
    percent: percent === "" || !Number.isFinite(Number(percent)) ? percent : Number(percent),
    layer: layer === "" ? null : layer,
    goals: goalsFromLines(f.goals),
    notes: f.notes ?? "",
  };
}

const sentence = (s: string) => (s === "" ? s : `${s[0]?.toUpperCase()}${s.slice(1)}${/[.!?]$/.test(s) ? "" : "."}`);

/** Issues (path, message) beside the holdout form's fields; an unknown path goes to the top. */
export function holdoutFieldErrors(issues: ReadonlyArray<{ path: string; message: string; code?: string | undefined }>): FieldErrors {
  const byField = new Map<string, string[]>();
  const general: string[] = [];
  for (const i of issues) {
    const m = /^(slug|name|percent|layer|notes|goals)(?:\.(\d+))?/.exec(i.path);
    if (m === null) {
      general.push(sentence(i.message));
      continue;
    }
    const field = m[1] as string;
    const words =
      field === "slug" || field === "layer"
        ? i.message === "already used"
          ? "Another holdout already uses this slug: choose another."
          : "Use 1 to 64 lowercase letters (a–z), digits and hyphens, such as checkout."
        : field === "percent"
          ? i.code === "invalid_type"
            ? "The share held out is a percent from 0 to 100, such as 5."
            : sentence(i.message)
          : field === "name"
            ? "Give the holdout a name of at most 200 characters."
            : field === "goals"
              ? `${m[2] === undefined ? "" : `Line ${Number(m[2]) + 1}: `}write page_view /path, form_submission /path or custom name. (${sentence(i.message)})`
              : sentence(i.message);
    byField.set(field, [...(byField.get(field) ?? []), words]);
  }
  return { byField, general };
}

export function holdoutEditorPage(ctx: PageContext, current: HoldoutRecord | null, f: Fields, errors: FieldErrors): string {
  const v: EditorView = {
    ctx,
    mode: { id: current?.id ?? null, state: "draft", started: false, canAllowScripts: false },
    f,
    errors,
    sitePaths: [],
  };
  const title = current === null ? "New holdout" : `Edit ${current.name}`;
  const action = current === null ? `${ctx.base}/holdouts/new` : `${ctx.base}/holdouts/${current.id}/edit`;
  const count = [...errors.byField.values()].reduce((n, l) => n + l.length, 0);
  const summary =
    count === 0 && errors.general.length === 0
      ? ""
      : `<div class="error" role="alert" id="errors"><p><strong>The holdout was not saved.</strong></p>${errors.general
          .map((g) => `<p>${esc(g)}</p>`)
          .join("")}${
          count === 0
            ? ""
            : `<ul>${[...errors.byField.entries()].map(([field, words]) => `<li><a href="#${fieldId(field)}">${esc(words.join(" "))}</a></li>`).join("")}</ul>`
        }</div>`;
  const reset = errorParts(v, "confirm_reset", null);
  return layout(
    ctx,
    title,
    `<p class="crumbs"><a href="${ctx.base}/holdouts/">Holdouts</a>${
      current === null ? "" : ` › <a href="${ctx.base}/holdouts/${current.id}">${esc(current.name)}</a>`
    } › ${current === null ? "new" : "edit"}</p>
<h1>${esc(title)}</h1>${summary}
<form method="post" action="${action}" class="editor" novalidate>${csrfField(ctx)}
<fieldset><legend>Holdout</legend><div class="grid-2">
${textField(v, "name", "Name", { required: true, placeholder: "Q1 holdout" })}
${textField(v, "slug", "Slug", { required: true, placeholder: "q1-holdout", hint: "It keys the hash that decides who is held out." })}
${textField(v, "percent", "Held out (%)", { inputmode: "decimal", hint: "The share of visitors kept out of every covered experiment." })}
${textField(v, "layer", "Layer (optional)", { placeholder: "every experiment", hint: "Cover only the experiments of this layer." })}</div>
${textArea(v, "goals", "Goals", {
  rows: 3,
  placeholder: "page_view /thanks",
  hint: "One a line: <code>page_view /path</code>, <code>form_submission /path</code> or <code>custom name</code>. Held and exposed visitors are compared on these.",
})}
${textArea(v, "notes", "Notes (optional)", { rows: 2 })}</fieldset>
${
  current === null
    ? ""
    : `<div class="check warn${reset.html === "" ? "" : " has-error"}"><input type="checkbox" id="${fieldId("confirm_reset")}" name="confirm_reset" value="reset"${
        f.confirm_reset === "reset" ? " checked" : ""
      }${reset.attrs}><label for="${fieldId("confirm_reset")}">I understand that changing the slug, the share or the layer restarts the holdout's counts from zero</label>${reset.html}</div>`
}
<div class="form-actions"><button>${current === null ? "Create holdout" : "Save changes"}</button> <a href="${
      current === null ? `${ctx.base}/holdouts/` : `${ctx.base}/holdouts/${current.id}`
    }">Cancel</a></div>
</form>`,
  );
}
