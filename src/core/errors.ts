// The admin API's error shape (docs/admin-api.md#errors), built in the core so every adapter answers alike.
import type { z } from "zod";

export interface Issue {
  readonly path: string;
  readonly message: string;
}

export interface ApiError {
  readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 | 503;
  readonly code: string;
  readonly message: string;
  readonly issues?: readonly Issue[];
}

export type Result<T> = { readonly ok: true; readonly value: T } | ({ readonly ok: false } & ApiError);

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (status: ApiError["status"], code: string, message: string, issues?: readonly Issue[]): Result<never> =>
  issues === undefined ? { ok: false, status, code, message } : { ok: false, status, code, message, issues };

export function issuesOf(error: z.ZodError): Issue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join(".") || "(body)", message: i.message }));
}

/** 422 for a body that `subject` (what the route takes: "experiment", "conclude body" …) does not describe. */
export function validationFailed(error: z.ZodError, subject = "experiment"): Result<never> {
  return fail(422, "validation_failed", `the request body is not a valid ${subject}`, issuesOf(error));
}

export function errorBody(e: ApiError): { error: { code: string; message: string; issues: readonly Issue[] } } {
  return { error: { code: e.code, message: e.message, issues: e.issues ?? [] } };
}
