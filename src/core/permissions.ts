// Roles and capabilities (docs/admin-api.md#capabilities-and-roles). Capability slugs are stable; role names are data, so a
// site can define its own roles in configuration.
import * as z from "zod";

export const CAPABILITIES = [
  "experiments.list",
  "experiments.view",
  "dashboard.view",
  "activity.view",
  "experiments.create",
  "experiments.edit_draft",
  "experiments.edit_live",
  "experiments.start",
  "experiments.pause",
  "experiments.resume",
  "experiments.conclude",
  "experiments.override",
  "experiments.archive",
  "experiments.restore",
  "experiments.delete",
  /** Save overrides that run script in visitors' browsers (with the experiment's explicit opt-in). */
  "experiments.script_overrides",
  /** Add, remove and test the webhooks that are told of state changes, automated actions and breaches, and read their log. */
  "webhooks.manage",
  /** End another operator's page sessions ("sign out everywhere" on their behalf). Everyone may end their own. */
  "operators.sign_out",
  /** Create, edit and delete holdouts (which keep visitors out of every experiment they cover). */
  "holdouts.manage",
] as const;
export type Capability = (typeof CAPABILITIES)[number];
export const Capability = z.enum(CAPABILITIES);

const READ: Capability[] = ["experiments.list", "experiments.view", "dashboard.view", "activity.view"];
const EDIT: Capability[] = [
  ...READ,
  "experiments.create",
  "experiments.edit_draft",
  "experiments.start",
  "experiments.pause",
  "experiments.resume",
];

export const DEFAULT_ROLES: Readonly<Record<string, readonly Capability[]>> = {
  administrator: CAPABILITIES,
  editor: EDIT,
  viewer: READ,
};

/** Custom roles in configuration: role name → capability slugs. They replace the defaults of the same name. */
export const RoleMap = z.record(z.string().regex(/^[a-z0-9_-]{1,40}$/), z.array(Capability));
export type RoleMap = z.infer<typeof RoleMap>;

export function roleCan(roles: Readonly<Record<string, readonly Capability[]>>, role: string, capability: Capability): boolean {
  return roles[role]?.includes(capability) ?? false;
}

/** An operator as the admin sees it after authentication. */
export interface Operator {
  readonly name: string;
  readonly role: string;
}
