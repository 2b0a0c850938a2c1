/** The Livy tab's form state. Passwords are write-only: sent only when typed, or "" to clear. */
import type { LivyAuth, LivyEndpoint, LivyEndpointUpdate } from "../../api/configGroups";

export interface EndpointDraft {
  url: string;
  auth: LivyAuth;
  username: string;
  /** What the user typed; "" means "leave as is" unless `clear` is set. */
  password: string;
  clear: boolean;
  passwordSet: boolean;
}

export function draftOf(endpoint: LivyEndpoint): EndpointDraft {
  return {
    auth: endpoint.auth,
    clear: false,
    password: "",
    passwordSet: endpoint.password_set,
    url: endpoint.url ?? "",
    username: endpoint.username ?? "",
  };
}

/** The PUT body of one kernel: `password` only when it changes. */
export function endpointUpdate(draft: EndpointDraft): LivyEndpointUpdate {
  const update: LivyEndpointUpdate = {
    auth: draft.auth,
    url: draft.url.trim(),
    username: draft.username.trim(),
  };
  if (draft.password !== "") {
    update.password = draft.password;
  } else if (draft.clear) {
    update.password = "";
  }
  return update;
}
