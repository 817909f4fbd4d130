// Reads a request body as UTF-8 text with a byte cap, without trusting Content-Length: the admin API
// and the custom-event endpoint both answer 413 past the cap and never hold more than it in memory.
export type BodyText = { ok: true; text: string } | { ok: false; reason: "too_large" | "invalid_utf8" };

export async function readBodyText(request: Request, maxBytes: number): Promise<BodyText> {
  if (Number(request.headers.get("content-length") ?? "0") > maxBytes) return { ok: false, reason: "too_large" };
  if (request.body === null) return { ok: true, text: "" };
  const reader = request.body.getReader();
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  let size = 0;
  let text = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        return { ok: false, reason: "too_large" };
      }
      text += decoder.decode(value, { stream: true });
    }
    return { ok: true, text: text + decoder.decode() };
  } catch {
    return { ok: false, reason: "invalid_utf8" };
  }
}
