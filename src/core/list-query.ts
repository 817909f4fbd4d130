// The list's query string (docs/admin-api.md#the-list, the data-table convention): filter, sort and page.
// `state=concluded` is done and archived together (the result archive); the sorts beyond the stored
// columns (variants, days running, the gate's progress, the outcome) are documented in docs/pages.md.
import * as z from "zod";
import { LifecycleState } from "./schema.ts";

export const MAX_PER_PAGE = 100;

/** Sorts SQLite orders by itself. */
export const SQL_SORTS = ["name", "state", "sample", "created", "updated", "id", "variants", "days", "concluded"] as const;
/** Sorts on the run's summary (core/list-summary.ts), ranked by the catalog after reading the reports. */
export const SUMMARY_SORTS = ["gate", "outcome"] as const;
export const LIST_SORTS = [...SQL_SORTS, ...SUMMARY_SORTS] as const;
export type SummarySort = (typeof SUMMARY_SORTS)[number];

export const ListQuery = z.object({
  q: z.string().max(200).default(""),
  state: z.union([LifecycleState, z.literal(""), z.literal("concluded")]).default(""),
  sort: z.enum(LIST_SORTS).default("created"),
  order: z.enum(["asc", "desc"]).default("desc"),
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  per_page: z.coerce.number().int().min(1).max(MAX_PER_PAGE).default(20),
});
export type ListQuery = z.infer<typeof ListQuery>;
