// Reading a JSON body at the admin boundary: size-limited, parsed, validated; each failure its own code.
import type { Context } from "hono";
import type { z } from "zod";
import { fail, ok, type Result, validationFailed } from "../core/errors.ts";

export async function readJson<T extends z.ZodType>(
  c: Context,
  schema: T,
  maxBytes: number,
  allowEmpty = false,
): Promise<Result<z.infer<T>>> {
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > maxBytes) return tooLarge(maxBytes);
  const body = c.req.raw.body;
  let text = "";
  if (body !== null) {
    const reader = body.getReader();
    const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
    let size = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > maxBytes) {
          await reader.cancel();
          return tooLarge(maxBytes);
        }
        text += decoder.decode(value, { stream: true });
      }
      text += decoder.decode();
    } catch {
      return fail(400, "invalid_body", "the body is not valid UTF-8");
    }
  }
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
  return parsed.success ? ok(parsed.data) : validationFailed(parsed.error);
}

function tooLarge(maxBytes: number): Result<never> {
  return fail(413, "body_too_large", `the body is larger than ${maxBytes} bytes`);
}
