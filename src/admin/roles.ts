// The role map in force: the default roles, with the custom roles of `SGEN_ROLES` replacing those of
// the same name. An invalid map is reported and ignored (the defaults apply), never half-applied.
import { type Capability, DEFAULT_ROLES, RoleMap } from "../core/permissions.ts";

export type Roles = Readonly<Record<string, readonly Capability[]>>;

// Parsed once per isolate and again only when the setting changes, as the token list is (auth.ts):
// every admin request asks for the roles.
let parsed: { raw: string; roles: Roles } | undefined;

export function rolesFrom(raw: string | undefined): Roles {
  if (raw === undefined || raw === "") return DEFAULT_ROLES;
  if (parsed?.raw === raw) return parsed.roles;
  let roles: Roles = DEFAULT_ROLES;
  try {
    roles = { ...DEFAULT_ROLES, ...RoleMap.parse(JSON.parse(raw)) };
  } catch (err) {
    console.warn("sgen-ab admin: SGEN_ROLES is not a valid role map; using the default roles", err);
  }
  parsed = { raw, roles };
  return roles;
}
