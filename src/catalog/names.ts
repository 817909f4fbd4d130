// The catalog is one Durable Object for the whole deployment: every record and audit entry in one place.
import { CATALOG_OBJECT_NAME } from "../names.ts";
import type { CatalogObject } from "./catalog-object.ts";

export type CatalogNamespace = DurableObjectNamespace<CatalogObject>;

export function catalogStub(ns: CatalogNamespace) {
  return ns.get(ns.idFromName(CATALOG_OBJECT_NAME));
}
