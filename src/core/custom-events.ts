// The body of `POST /__sgen/events` (docs/conversions.md#custom-events): `{"events":[{"name":"signup"}]}`, one to
// `maxEvents` events, each a name of the custom-event pattern and, for value goals, a `value` (a finite
// number from 0 to MAX_EVENT_VALUE currency units) and an optional `id` (the event's own identity, an
// order number say: a repeat of the same id counts once). Checked by hand, for the edge's path (no zod);
// test/workers/edge-parsers.test.ts holds it to the zod schema of the same body.
import { type Checker, guarded, INVALID, type Parsed } from "./checks.ts";
import { CUSTOM_EVENT_MESSAGE, CUSTOM_EVENT_NAME, EVENT_ID_MESSAGE, EVENT_ID_PATTERN, MAX_EVENT_VALUE } from "./field-rules.ts";

export type { Parsed, Problem } from "./checks.ts";

export interface CustomEvent {
  readonly name: string;
  /** Currency units; a value goal counts it in whole cents (rounded). */
  readonly value?: number;
  readonly id?: string;
}

export interface CustomEventsBody {
  readonly events: readonly CustomEvent[];
}

export function parseCustomEvents(input: unknown, maxEvents: number): Parsed<CustomEventsBody> {
  return guarded("(body)", (c: Checker) => {
    const body = c.object(input, [], ["events"]);
    if (body === INVALID) return INVALID;
    const events = c.array(body.events, ["events"], 1, maxEvents, (v, path) => {
      const e = c.object(v, path, ["name", "value", "id"]);
      if (e === INVALID) return INVALID;
      const name = c.string(e.name, [...path, "name"], { pattern: CUSTOM_EVENT_NAME, message: CUSTOM_EVENT_MESSAGE });
      const value = e.value === undefined ? undefined : c.number(e.value, [...path, "value"], { min: 0, max: MAX_EVENT_VALUE });
      const id = e.id === undefined ? undefined : c.string(e.id, [...path, "id"], { pattern: EVENT_ID_PATTERN, message: EVENT_ID_MESSAGE });
      if (name === INVALID || value === INVALID || id === INVALID) return INVALID;
      return { name, ...(value === undefined ? {} : { value }), ...(id === undefined ? {} : { id }) };
    });
    return events === INVALID ? INVALID : { events };
  });
}
