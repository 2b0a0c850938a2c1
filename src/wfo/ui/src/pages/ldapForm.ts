/** The LDAP page's form state: the saved settings as a draft, and the draft as the body the API takes (a PUT
 * replaces every setting, so everything shown goes back; an empty password field keeps the stored one). */
import type { LdapSettings, LdapSettingsUpdate } from "../api/ldap";

export type TextField =
  | "server"
  | "tls_ca_certificate"
  | "bind_user"
  | "search_base"
  | "search_filter"
  | "uid_field"
  | "group_field"
  | "firstname_field"
  | "lastname_field"
  | "email_field"
  | "append_domain"
  | "username_format"
  | "user_registration_role";

export type Flag = "use_starttls" | "tls_demand_certificate" | "roles_sync_at_login" | "user_registration";

export interface MappingRow {
  group: string;
  roles: string;
}

export interface Draft {
  auth_type: "db" | "ldap";
  text: Record<TextField, string>;
  flags: Record<Flag, boolean>;
  mapping: MappingRow[];
  /** "" keeps the stored password; typed text replaces it. */
  password: string;
}

const TEXT_FIELDS: readonly TextField[] = [
  "server",
  "tls_ca_certificate",
  "bind_user",
  "search_base",
  "search_filter",
  "uid_field",
  "group_field",
  "firstname_field",
  "lastname_field",
  "email_field",
  "append_domain",
  "username_format",
  "user_registration_role",
];

export function draftOf(settings: LdapSettings): Draft {
  const text = Object.fromEntries(TEXT_FIELDS.map((name) => [name, settings[name] ?? ""])) as Record<TextField, string>;
  return {
    auth_type: settings.auth_type ?? "db",
    text,
    flags: {
      use_starttls: settings.use_starttls ?? false,
      tls_demand_certificate: settings.tls_demand_certificate ?? true,
      roles_sync_at_login: settings.roles_sync_at_login ?? true,
      user_registration: settings.user_registration ?? true,
    },
    mapping: Object.entries(settings.roles_mapping ?? {}).map(([group, roles]) => ({ group, roles: roles.join(", ") })),
    password: "",
  };
}

export function bodyOf(draft: Draft, force = false): LdapSettingsUpdate {
  const roles_mapping: Record<string, string[]> = {};
  for (const row of draft.mapping) {
    if (row.group.trim() !== "") {
      roles_mapping[row.group.trim()] = row.roles
        .split(",")
        .map((role) => role.trim())
        .filter((role) => role !== "");
    }
  }
  return {
    auth_type: draft.auth_type,
    ...draft.text,
    ...draft.flags,
    roles_mapping,
    bind_password: draft.password === "" ? null : draft.password,
    force,
  };
}
