// The body of `POST /__sgen/events` (contract section 3): `{"events":[{"name":"signup"}]}`.
import { z } from "zod";
import { CUSTOM_EVENT_NAME } from "./schema.ts";

export function customEventsBody(maxEvents: number) {
  return z.strictObject({
    events: z
      .array(z.strictObject({ name: z.string().regex(CUSTOM_EVENT_NAME, "use 1 to 64 of A-Z, a-z, 0-9, _ . : -") }))
      .min(1)
      .max(maxEvents),
  });
}
