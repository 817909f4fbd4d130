// The success message after a write (POST, redirect, GET): the POST sets a short-lived cookie holding
// one code of the table below, the next page shows that code's fixed words and clears it. Nothing an
// operator or an attacker typed is ever shown through it: an unknown code shows nothing.
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";

export const FLASH_COOKIE = "sgen-admin-flash";

export const FLASH_MESSAGES = {
  created: "Experiment created. It is a draft: start it when it is ready.",
  saved: "Changes saved.",
  saved_reset: "Changes saved. The sample was reset to zero.",
  start: "Experiment started: visitors are being assigned.",
  pause: "Experiment paused: everyone gets the control; nothing is counted.",
  resume: "Experiment resumed: visitors keep their variants.",
  conclude: "Experiment concluded: the shipped variant is served to visitors.",
  override: "Experiment concluded early with your reason recorded.",
  archive: "Experiment archived. It stays in the result archive.",
  restore: "Experiment restored.",
  delete: "Experiment deleted, with its run data.",
  rollout: "Rollout changed.",
  rollback: "Rolled back: every visitor gets the control.",
  holdout_created: "Holdout created: its visitors are held out from now on.",
  holdout_saved: "Holdout saved.",
  holdout_saved_reset: "Holdout saved. Its counts start again from zero.",
  holdout_deleted: "Holdout deleted, with its counts: every visitor may enter the experiments again.",
} as const;
export type FlashCode = keyof typeof FLASH_MESSAGES;

/** Leaves `code` for the next page under `path` (the pages' base). */
export function setFlash(c: Context, code: FlashCode, path: string): void {
  setCookie(c, FLASH_COOKIE, code, {
    httpOnly: true,
    sameSite: "Strict",
    secure: new URL(c.req.url).protocol === "https:",
    path,
    maxAge: 60,
  });
}

/** The words of the flash left for this page, if any, and clears it. */
export function takeFlash(c: Context, path: string): string | null {
  const code = getCookie(c, FLASH_COOKIE);
  if (code === undefined) return null;
  deleteCookie(c, FLASH_COOKIE, { path });
  return Object.hasOwn(FLASH_MESSAGES, code) ? FLASH_MESSAGES[code as FlashCode] : null;
}
