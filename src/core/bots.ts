// Known crawlers, link-preview fetchers and tools are never counted: they would otherwise fill the
// sample with visitors who can never convert. They are served as visitors are (serving them something
// else is cloaking), or the control under an experiment's `bots: "control"` (targeting/crawlers.ts).
// The list is a default; a site passes its own pattern (EdgeOptions.bots) or false to turn it off.
export const DEFAULT_BOT_PATTERN =
  /bot\b|crawler|spider|slurp|bingpreview|facebookexternalhit|facebookcatalog|embedly|quora link preview|pinterest|vkshare|whatsapp|telegram|skypeuripreview|google-inspectiontool|lighthouse|pagespeed|headlesschrome|python-requests|curl\/|wget\//i;

export function isBot(userAgent: string | null, pattern: RegExp | false): boolean {
  if (pattern === false) return false;
  // No user agent at all is a script or a test, not a known crawler: it is treated as a visitor.
  return userAgent !== null && userAgent !== "" && pattern.test(userAgent);
}
