// The visitor's device class, `mobile`, `tablet` or `desktop`, from the User-Agent header.
//
// The classification is `is-mobile` (about 1 KiB, the regular expressions most sites have used for a
// decade, kept up to date by its maintainer), with two documented refinements of ours:
// 1. is-mobile says "mobile" for phones; a UA it does not call mobile but that names Android (without
//    "Mobile", as Android tablets send it), iPad, PlayBook or Silk is a tablet (is-mobile's own tablet
//    rule) — except a television (`TV` as a word, as Android TV boxes send it), which is a desktop;
// 2. an iPad asking for the desktop site sends a Mac's UA; when that UA still carries the `Mobile/`
//    token of iOS (in-app browsers do), it is a tablet. Safari on an iPad in its default desktop mode
//    sends exactly a Mac's UA and is a desktop here: nothing in the request tells them apart.
// Everything else (desktops, TVs, consoles, crawlers, `curl`) is a desktop. A request without a
// User-Agent has no device: the attribute is missing.
//
// Cost: is-mobile's expression is one alternation of some forty words tried at every position, about
// 1 µs on a desktop UA in Node. Few distinct UAs make most of a site's traffic, so an isolate keeps
// the classes of the last UAs it saw (a bounded map, emptied when full): a repeat costs one lookup.
import { isMobile } from "is-mobile";

export const DEVICES = ["mobile", "tablet", "desktop"] as const;
export type Device = (typeof DEVICES)[number];

/** is-mobile's own tablet rule (what `isMobile({ ua, tablet: true })` adds to its phone rule). */
const TABLET = /android|ipad|playbook|silk/i;
const TELEVISION = /\bTV\b/;
const IPAD_DESKTOP_MODE = /Macintosh.*\bMobile\//;

/** The classification itself, without the memo. */
export function classifyUserAgent(userAgent: string): Device {
  if (isMobile({ ua: userAgent })) return "mobile";
  if (TABLET.test(userAgent)) return TELEVISION.test(userAgent) ? "desktop" : "tablet";
  return IPAD_DESKTOP_MODE.test(userAgent) ? "tablet" : "desktop";
}

const MEMO_SIZE = 512;
const MAX_MEMO_UA = 512;
const memo = new Map<string, Device>();

/** The device class of a User-Agent header, or undefined without one. */
export function deviceOf(userAgent: string | null | undefined): Device | undefined {
  if (userAgent === null || userAgent === undefined || userAgent.length === 0) return undefined;
  const known = memo.get(userAgent);
  if (known !== undefined) return known;
  const device = classifyUserAgent(userAgent);
  if (userAgent.length <= MAX_MEMO_UA) {
    if (memo.size >= MEMO_SIZE) memo.clear();
    memo.set(userAgent, device);
  }
  return device;
}
