/** SLA misses (`/wfo/api/v1/sla-misses`): task instances that had not succeeded within their `sla=`. */
import { api, type HttpClient } from "./client";
import type { Body, Model } from "./types";

export type SlaMiss = Model<"SlaMissPublic">;
export type SlaMissNote = Body<"SlaMissNote">;

/** The page's filters, as query parameters (empty strings are left out by the client). */
export interface SlaMissFilters {
  dag_id: string;
  task_id: string;
  since: string;
  until: string;
  /** "" (any), "true" or "false". */
  notified: string;
}

const ROOT = "/sla-misses";

export function slaMissesApi(http: HttpClient) {
  return {
    list: (filters: SlaMissFilters, signal?: AbortSignal) =>
      http.request<Model<"SlaMissList">>("GET", ROOT, { query: { ...filters }, ...(signal ? { signal } : {}) }),
    /** An empty note clears it; 404 when the miss is gone or of a DAG the user may not read. */
    setNote: (id: number, note: string) =>
      http.request<SlaMiss>("PATCH", `${ROOT}/${id}`, { body: { note } satisfies SlaMissNote }),
  };
}

export type SlaMissesApi = ReturnType<typeof slaMissesApi>;

export function slaMisses(): SlaMissesApi {
  return slaMissesApi(api());
}
