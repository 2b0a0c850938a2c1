/**
 * Models and datasets (`/wfo/api/v1/models`): versioned uploads per kind, their serving state on the
 * model server, endpoints, API keys, the public flag and "try it" (sent through the API with the
 * user's own session).
 */
import { api, segment, type HttpClient } from "./client";
import type { Body, Model } from "./types";

export type ModelSummary = Model<"ModelSummary">;
export type ModelDetail = Model<"ModelDetail">;
export type ModelList = Model<"ModelList">;
export type ModelKind = ModelSummary["kind"];
export type ModelState = ModelSummary["state"];
export type ModelUploaded = Model<"ModelUploaded">;
export type ApiKeyCreated = Model<"ApiKeyCreated">;
export type TryResult = Model<"TryResult">;
export type TryProtocol = NonNullable<Body<"TryRequest">["protocol"]>;

const ROOT = "/models";
const withSignal = (signal?: AbortSignal) => (signal ? { signal } : {});

export function modelsApi(http: HttpClient) {
  const model = (name: string) => `${ROOT}/${segment(name)}`;
  return {
    list: (signal?: AbortSignal) => http.request<ModelList>("GET", ROOT, withSignal(signal)),
    /** A name that exists gets a new version (it keeps the kind of its first upload). */
    upload: (kind: ModelKind, name: string, file: File) => {
      const form = new FormData();
      form.append("kind", kind);
      form.append("name", name);
      form.append("file", file, file.name);
      return http.request<ModelUploaded>("POST", ROOT, { form });
    },
    get: (name: string, signal?: AbortSignal) => http.request<ModelDetail>("GET", model(name), withSignal(signal)),
    downloadUrl: (name: string, version?: number) => http.href(`${model(name)}/download`, { version }),
    restore: (name: string, version: number) =>
      http.request<ModelUploaded>("POST", `${model(name)}/restore`, { body: { version } satisfies Body<"ModelRestore"> }),
    remove: (name: string) => http.request<void>("DELETE", model(name)),
    removeVersion: (name: string, version: number) => http.request<void>("DELETE", `${model(name)}/versions/${version}`),
    createKey: (name: string, label: string) =>
      http.request<ApiKeyCreated>("POST", `${model(name)}/keys`, { body: { label } satisfies Body<"ApiKeyCreate"> }),
    removeKey: (name: string, id: string) => http.request<void>("DELETE", `${model(name)}/keys/${segment(id)}`),
    setPublic: (name: string, value: boolean) =>
      http.request<Model<"ModelPublic">>("PUT", `${model(name)}/public`, { body: { public: value } }),
    tryIt: (name: string, protocol: TryProtocol, request: unknown) =>
      http.request<TryResult>("POST", `${model(name)}/try`, { body: { protocol, request } }),
  };
}

export type ModelsApi = ReturnType<typeof modelsApi>;

export function models(): ModelsApi {
  return modelsApi(api());
}
