// The list's query string (docs/admin-api.md#the-list, the data-table convention): filter, sort and page.
import { z } from "zod";
import { LifecycleState } from "./schema.ts";

export const MAX_PER_PAGE = 100;

export const ListQuery = z.object({
  q: z.string().max(200).default(""),
  state: z.union([LifecycleState, z.literal("")]).default(""),
  sort: z.enum(["name", "state", "sample", "created", "updated", "id"]).default("created"),
  order: z.enum(["asc", "desc"]).default("desc"),
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  per_page: z.coerce.number().int().min(1).max(MAX_PER_PAGE).default(20),
});
export type ListQuery = z.infer<typeof ListQuery>;
