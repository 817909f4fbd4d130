// The rate limit on guessing operator tokens, for the API and the pages alike: after
// SGEN_SIGNIN_MAX_FAILURES failed sign-ins (default 20) from one client within 10 minutes, that client is
// refused (429) until the window ends, before any token is compared. The failures are counted in a
// store every isolate shares (the catalog object's counters), so that no isolate can be used to get
// around the limit.
//
// A client is its address as Cloudflare reports it (`CF-Connecting-IP`): one IPv4 address, or one IPv6
// /64 (core/client-address.ts), so rotating addresses inside a /64 does not reset the count. A request
// without a usable address (not behind Cloudflare, a test) is keyed by the digest of the token it
// presents: never one bucket for everyone, so twenty wrong tokens do not lock out a right one. Where the
// Workers Rate Limiting binding is configured, it bounds every sign-in attempt per client first, at the
// edge, so that a flood of guesses never reaches the catalog object.
import * as z from "zod";
import { requestClientBucket } from "../core/client-address.ts";
import { numberSetting, settingsReader } from "../core/settings.ts";
import { toHex } from "./auth.ts";

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

/**
 * Who is signing in, for the limit: `ip4:<address>` or `ip6:<prefix>::/64` from Cloudflare's client
 * address; without one, `token:<SHA-256 of the presented token>` (or `token:none` when none was).
 */
export function clientKey(request: Request, tokenDigest: Uint8Array | null): string {
  return requestClientBucket(request) ?? (tokenDigest === null ? "token:none" : `token:${toHex(tokenDigest)}`);
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

/**
 * The Workers Rate Limiting binding's verdict on one more sign-in attempt from `key`: the seconds to
 * wait (its period, since the binding does not say when the window ends), or 0. No binding, or a
 * binding that fails, allows the attempt: the failure count in the catalog still applies.
 */
export async function bindingRetryAfter(limiter: RateLimit | undefined, key: string, periodSeconds = 60): Promise<number> {
  if (limiter === undefined) return 0;
  try {
    const { success } = await limiter.limit({ key: `signin:${key}` });
    return success ? 0 : periodSeconds;
  } catch (err) {
    console.warn("sgen-ab admin: the sign-in rate limit binding failed; counting failures only", err);
    return 0;
  }
}
