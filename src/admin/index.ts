// sgen-ab/admin: the operators' side, to mount in your own Hono app or let the ready Worker mount it.
// `createAdminApi` is the JSON API of contract section 4; `createAdminPages` the server-rendered pages.
export { type AdminOptions, type CatalogNamespace, catalogStub, createAdminApi } from "./api.ts";
export { type AdminPagesOptions, createAdminPages } from "./pages/app.ts";
