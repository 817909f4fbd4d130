// The markup of one labelled field, with its error beside it (and tied to it for screen readers), a
// hint, and the read-only look of a field that is fixed.
import { esc } from "../../html.ts";
import type { EditorView } from "./section.ts";

export const fieldId = (name: string): string => `f-${name.replace(/_/g, "-")}`;

export function errorsOf(v: EditorView, name: string): readonly string[] {
  return v.errors.byField.get(name) ?? [];
}

/** The error paragraph for `name` (empty when none), and the attributes its control carries. */
export function errorParts(v: EditorView, name: string, hint: string | null): { html: string; attrs: string } {
  const errs = errorsOf(v, name);
  const id = fieldId(name);
  const described = [...(hint === null ? [] : [`${id}-hint`]), ...(errs.length === 0 ? [] : [`${id}-error`])];
  return {
    html: `${hint === null ? "" : `<p class="hint" id="${id}-hint">${hint}</p>`}${
      errs.length === 0 ? "" : `<p class="field-error" id="${id}-error">${errs.map(esc).join(" ")}</p>`
    }`,
    attrs: `${errs.length === 0 ? "" : ' aria-invalid="true"'}${described.length === 0 ? "" : ` aria-describedby="${described.join(" ")}"`}`,
  };
}

export interface InputOptions {
  hint?: string;
  placeholder?: string;
  required?: boolean;
  readonly?: boolean;
  inputmode?: "numeric" | "decimal";
  list?: string;
  className?: string;
  extra?: string;
}

/** A labelled text input; a read-only one looks read-only and says why. */
export function textField(v: EditorView, name: string, label: string, o: InputOptions = {}): string {
  const id = fieldId(name);
  const hint = o.readonly ? `${o.hint === undefined ? "" : `${o.hint} `}Fixed once the experiment has started.` : (o.hint ?? null);
  const e = errorParts(v, name, hint);
  const attrs = [
    o.placeholder === undefined ? "" : ` placeholder="${esc(o.placeholder)}"`,
    o.required ? ' required aria-required="true"' : "",
    o.readonly ? ' readonly class="readonly"' : o.className === undefined ? "" : ` class="${o.className}"`,
    o.inputmode === undefined ? "" : ` inputmode="${o.inputmode}"`,
    o.list === undefined ? "" : ` list="${o.list}"`,
    o.extra ?? "",
  ].join("");
  return `<div class="field${e.html.includes("field-error") ? " has-error" : ""}"><label for="${id}">${esc(label)}${o.required ? ' <span class="req">required</span>' : ""}</label>
<input id="${id}" name="${name}" value="${esc(v.f[name] ?? "")}"${attrs}${e.attrs}>${e.html}</div>`;
}

export function textArea(
  v: EditorView,
  name: string,
  label: string,
  o: { hint?: string; rows?: number; placeholder?: string } = {},
): string {
  const id = fieldId(name);
  const e = errorParts(v, name, o.hint ?? null);
  return `<div class="field${e.html.includes("field-error") ? " has-error" : ""}"><label for="${id}">${esc(label)}</label>
<textarea id="${id}" name="${name}" rows="${o.rows ?? 3}"${o.placeholder === undefined ? "" : ` placeholder="${esc(o.placeholder)}"`}${e.attrs}>${esc(v.f[name] ?? "")}</textarea>${e.html}</div>`;
}
