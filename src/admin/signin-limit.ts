// The rate limit on guessing operator tokens, for the API and the pages alike: after
// SGEN_SIGNIN_MAX_FAILURES failed sign-ins (default 20) from one client address within 10 minutes, that
// address is refused (429) until the window ends, before any token is looked at. The failures are
// counted in a store every isolate shares (the catalog object's counters), so that no isolate can be
// used to get around the limit.
import { z } from "zod";
import { numberSetting, settingsReader } from "../core/settings.ts";

export const SIGNIN_WINDOW_MS = 10 * 60_000;

/** What the limit needs from the shared store (the catalog object implements it). */
export interface SignInFailureStore {
  signInFailures(key: string): Promise<{ readonly windowStart: number; readonly failures: number } | null>;
  noteSignInFailure(key: string, windowMs: number, now: number): Promise<void>;
}

export const SignInSettings = z.object({
  /** Failed sign-ins one client may make per 10 minutes before it is refused (default 20). */
  SGEN_SIGNIN_MAX_FAILURES: numberSetting(20, z.number().int("a whole number").positive("at least 1")),
});

const settings = settingsReader(SignInSettings);

/** Who is signing in, for the limit: Cloudflare's client address, or one shared bucket without it. */
export function clientKey(request: Request): string {
  return request.headers.get("cf-connecting-ip") ?? "unknown";
}

/** How many seconds `key` must wait before it may try again, or 0. `env` holds SGEN_SIGNIN_MAX_FAILURES. */
export async function retryAfterSeconds(
  store: SignInFailureStore,
  key: string,
  env: Readonly<Record<string, unknown>>,
  now = Date.now(),
): Promise<number> {
  const window = await store.signInFailures(key);
  if (window === null || now - window.windowStart >= SIGNIN_WINDOW_MS) return 0;
  return window.failures >= settings(env).SGEN_SIGNIN_MAX_FAILURES ? Math.ceil((window.windowStart + SIGNIN_WINDOW_MS - now) / 1000) : 0;
}

export function noteFailedSignIn(store: SignInFailureStore, key: string, now = Date.now()): Promise<void> {
  return store.noteSignInFailure(key, SIGNIN_WINDOW_MS, now);
}
