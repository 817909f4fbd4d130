// The audience's operators in the words the pages use, for the editor's choices and the dashboard's
// sentence alike (docs/audiences.md).
import type { AudienceOperator } from "../../../core/targeting/audience.ts";

export const OPERATOR_WORDS: Readonly<Record<AudienceOperator, string>> = {
  in: "is one of",
  not_in: "is none of",
  equals: "equals",
  contains: "contains",
  exists: "is present",
  not_exists: "is absent",
};
