/** LDAP configuration (`/wfo/api/v1/ldap`, Admin only): the login settings FAB reads, and their test. */
import { api, type HttpClient } from "./client";
import type { Body, Model } from "./types";

export type LdapSettings = Model<"LdapSettingsPublic">;
export type LdapSettingsUpdate = Body<"LdapSettingsUpdate">;
export type LdapSaveResult = Model<"LdapSaveResult">;
export type LdapTestRequest = Body<"LdapTestRequest">;
export type LdapTestResult = Model<"LdapTestResult">;

const ROOT = "/ldap";

export function ldapApi(http: HttpClient) {
  return {
    get: (signal?: AbortSignal) => http.request<LdapSettings>("GET", ROOT, signal ? { signal } : {}),
    /** 422 with the reason for a bad setting, or for LDAP settings whose test fails (unless `force`). */
    save: (body: LdapSettingsUpdate) => http.request<LdapSaveResult>("PUT", ROOT, { body }),
    /** A failed test is an answer (`ok: false` and the reason), not an error. */
    test: (body: LdapTestRequest) => http.request<LdapTestResult>("POST", `${ROOT}/test`, { body }),
  };
}

export type LdapApi = ReturnType<typeof ldapApi>;

export function ldap(): LdapApi {
  return ldapApi(api());
}
