// The automated post-test actions: what happens once the gate is reached, by outcome.
import { ON_INCONCLUSIVE_WORDS, ON_LOSER_WORDS, ON_WINNER_WORDS, selectOf } from "../../html.ts";
import { errorParts, fieldId } from "./fields.ts";
import type { EditorSection, EditorView } from "./section.ts";

function select(v: EditorView, name: string, label: string, words: Record<string, string>, fallback: string): string {
  const id = fieldId(name);
  const e = errorParts(v, name, null);
  return `<div class="field"><label for="${id}">${label}</label>${selectOf(name, id, v.f[name] ?? fallback, words, e.attrs)}${e.html}</div>`;
}

export const postTest: EditorSection = {
  fields: (r) => ({
    on_winner: r.post_test?.on_winner ?? "assign_winner",
    on_inconclusive: r.post_test?.on_inconclusive ?? "keep_running",
    on_loser: r.post_test?.on_loser ?? "keep",
  }),
  input: (f) => ({
    post_test: {
      on_winner: f.on_winner ?? "assign_winner",
      on_inconclusive: f.on_inconclusive ?? "keep_running",
      on_loser: f.on_loser ?? "keep",
    },
  }),
  render: (
    v,
  ) => `<fieldset><legend>After the gate is reached</legend><p class="hint">What the experiment does on its own once every variant has the minimum sample and the minimum runtime has passed, unless the sample ratio looks wrong.</p><div class="grid-2">
${select(v, "on_winner", "If a variant wins", ON_WINNER_WORDS, "assign_winner")}
${select(v, "on_inconclusive", "If the result is inconclusive", ON_INCONCLUSIVE_WORDS, "keep_running")}
${select(v, "on_loser", "A clear loser, while the others keep running", ON_LOSER_WORDS, "keep")}</div></fieldset>`,
};
