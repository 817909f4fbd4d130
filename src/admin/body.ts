// Reading a JSON body at the admin boundary: size-limited, parsed, validated; each failure its own code.
import type { Context } from "hono";
import type { z } from "zod";
import { fail, ok, type Result, validationFailed } from "../core/errors.ts";
import { readBodyText } from "../http/read-body.ts";

export async function readJson<T extends z.ZodType>(
  c: Context,
  schema: T,
  maxBytes: number,
  allowEmpty = false,
  /** What the body should be, for the 422's message. */
  subject = "experiment",
): Promise<Result<z.infer<T>>> {
  const read = await readBodyText(c.req.raw, maxBytes);
  if (!read.ok) return read.reason === "too_large" ? tooLarge(maxBytes) : fail(400, "invalid_body", "the body is not valid UTF-8");
  let text = read.text;
  if (text.trim() === "") {
    if (!allowEmpty) return fail(400, "invalid_json", "a JSON body is required");
    text = "{}";
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return fail(400, "invalid_json", `the body is not JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? ok(parsed.data) : validationFailed(parsed.error, subject);
}

function tooLarge(maxBytes: number): Result<never> {
  return fail(413, "body_too_large", `the body is larger than ${maxBytes} bytes`);
}
