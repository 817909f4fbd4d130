// The body of `POST /__sgen/events` (docs/conversions.md#custom-events): `{"events":[{"name":"signup"}]}`, one to
// `maxEvents` events, each a name of the custom-event pattern and nothing else. Checked by hand, for the
// edge's path (no zod); test/workers/edge-parsers.test.ts holds it to the zod schema of the same body.
import { type Checker, guarded, INVALID, type Parsed } from "./checks.ts";
import { CUSTOM_EVENT_MESSAGE, CUSTOM_EVENT_NAME } from "./field-rules.ts";

export type { Parsed, Problem } from "./checks.ts";

export interface CustomEventsBody {
  readonly events: ReadonlyArray<{ readonly name: string }>;
}

export function parseCustomEvents(input: unknown, maxEvents: number): Parsed<CustomEventsBody> {
  return guarded("(body)", (c: Checker) => {
    const body = c.object(input, [], ["events"]);
    if (body === INVALID) return INVALID;
    const events = c.array(body.events, ["events"], 1, maxEvents, (v, path) => {
      const e = c.object(v, path, ["name"]);
      if (e === INVALID) return INVALID;
      const name = c.string(e.name, [...path, "name"], { pattern: CUSTOM_EVENT_NAME, message: CUSTOM_EVENT_MESSAGE });
      return name === INVALID ? INVALID : { name };
    });
    return events === INVALID ? INVALID : { events };
  });
}
