// Known crawlers and tools (bots.ts's pattern): served as visitors are, never counted.
//
// Serving a crawler something other than what visitors get is what search engines' testing guidance
// calls cloaking, and a developer trying the site with curl should see the experiment work. So by
// default (`bots: "like_visitors"`) a crawler is assigned like anyone (and keeps its cookie if it keeps
// cookies), but its exposures and conversions are never counted: it can never convert, and it would
// dilute the sample. `bots: "control"` keeps the earlier rule: the control, no cookie, not counted.
import type { BotsRule } from "./rules.ts";

export type { BotsRule } from "./rules.ts";

export interface CrawlerDecision {
  /** Serve the control with no cookie (the earlier rule), instead of serving as to any visitor. */
  readonly control: boolean;
  /** The request's exposures and conversions may be counted. */
  readonly count: boolean;
}

const VISITOR: CrawlerDecision = { control: false, count: true };
const CRAWLER_LIKE_VISITORS: CrawlerDecision = { control: false, count: false };
const CRAWLER_CONTROL: CrawlerDecision = { control: true, count: false };

/**
 * What the edge does for a request, given whether its user agent is a known crawler or tool and the
 * experiment's `bots` rule. A conversion request (no experiment to serve) uses `count` alone.
 *
 * @example
 * const d = crawlerDecision(isBot(request.headers.get("user-agent"), DEFAULT_BOT_PATTERN), experiment.bots);
 * if (!d.count) skipCounting();
 */
export function crawlerDecision(isCrawler: boolean, rule: BotsRule = "like_visitors"): CrawlerDecision {
  if (!isCrawler) return VISITOR;
  return rule === "control" ? CRAWLER_CONTROL : CRAWLER_LIKE_VISITORS;
}
