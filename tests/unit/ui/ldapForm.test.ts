// The LDAP page's form: a save replaces every setting, so what the page was shown must go back unchanged; the
// write-only bind password is sent only when typed (null keeps the stored one).
import type { LdapSettings } from "../../../src/wfo/ui/src/api/ldap";
import { bodyOf, draftOf } from "../../../src/wfo/ui/src/pages/ldapForm";

const shown: LdapSettings = {
  auth_type: "ldap",
  server: "ldaps://ldap.example.org:636",
  use_starttls: false,
  tls_demand_certificate: true,
  tls_ca_certificate: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
  bind_user: "cn=wfo,ou=services,dc=example,dc=org",
  search_base: "ou=people,dc=example,dc=org",
  search_filter: "(objectClass=inetOrgPerson)",
  uid_field: "uid",
  group_field: "memberOf",
  firstname_field: "givenName",
  lastname_field: "sn",
  email_field: "mail",
  append_domain: "",
  username_format: "",
  roles_mapping: { "cn=ops,ou=groups,dc=example,dc=org": ["Op", "Viewer"] },
  roles_sync_at_login: true,
  user_registration: true,
  user_registration_role: "Public",
  bind_password_set: true,
  webserver_config_linked: true,
  updated_by: "admin",
  updated_at: "2026-12-03T10:00:00Z",
};

describe("LDAP form", () => {
  it("sends back every setting it was shown and keeps the stored password", () => {
    const body = bodyOf(draftOf(shown));
    const { bind_password_set: _set, webserver_config_linked: _linked, updated_by: _by, updated_at: _at, ...settings } = shown;
    expect(body).toEqual({ ...settings, bind_password: null, force: false });
  });

  it("sends a typed password, drops empty mapping rows and splits the roles", () => {
    const draft = draftOf(shown);
    draft.password = "s3cret";
    draft.mapping = [
      { group: " cn=devs,ou=groups,dc=example,dc=org ", roles: "Developer, , Viewer" },
      { group: "  ", roles: "Admin" },
    ];
    const body = bodyOf(draft, true);
    expect(body.bind_password).toBe("s3cret");
    expect(body.force).toBe(true);
    expect(body.roles_mapping).toEqual({ "cn=devs,ou=groups,dc=example,dc=org": ["Developer", "Viewer"] });
  });
});
