// The confirmation step of an irreversible action (delete, conclude, override, roll back): what will
// happen in plain words, with the values typed carried along as hidden fields. Confirming posts them
// again with `confirmed=yes`; going back returns to the dashboard with the decision still filled in.
import { esc } from "../html.ts";
import { csrfField, layout, type PageContext } from "./layout.ts";

export interface Confirmation {
  readonly title: string;
  /** The experiment, for the heading and the way back. */
  readonly experiment: { id: number; name: string };
  /** What will happen, one consequence a line (HTML, already escaped). */
  readonly consequences: readonly string[];
  /** Warnings shown above the buttons (HTML, already escaped). */
  readonly warnings: readonly string[];
  readonly action: string;
  readonly values: Readonly<Record<string, string>>;
  readonly confirmLabel: string;
  /** Post the values back to the dashboard (the decision panel keeps them), rather than a plain link. */
  readonly backWithValues: boolean;
}

export function confirmPage(ctx: PageContext, c: Confirmation): string {
  const hidden = Object.entries(c.values)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join("");
  const back = c.backWithValues
    ? `<button class="secondary" formaction="${ctx.base}/experiments/${c.experiment.id}/decision">Go back and change</button>`
    : `<a class="button secondary" href="${ctx.base}/experiments/${c.experiment.id}">Cancel</a>`;
  return layout(
    ctx,
    c.title,
    `<p class="crumbs"><a href="${ctx.base}/experiments/">Experiments</a> › <a href="${ctx.base}/experiments/${c.experiment.id}">${esc(c.experiment.name)}</a> › confirm</p>
<section class="card confirm" aria-labelledby="confirm-title"><h1 id="confirm-title">${esc(c.title)}</h1>
<h2>What will happen</h2><ul class="consequences">${c.consequences.map((x) => `<li>${x}</li>`).join("")}</ul>
${c.warnings.map((w) => `<div class="warning" role="note">${w}</div>`).join("")}
<form method="post" action="${ctx.base}/experiments/${c.experiment.id}/${c.action}" class="confirm-form">${csrfField(ctx)}${hidden}<input type="hidden" name="confirmed" value="yes">
<div class="form-actions"><button class="danger">${esc(c.confirmLabel)}</button> ${back}</div></form></section>`,
  );
}
