/** Exploratory data analysis (`/wfo/api/v1/eda`): saved sources, their outputs, runs of `wfo_eda`. */
import { api, segment, type HttpClient } from "./client";
import type { Body, Model } from "./types";

/** The models come from the server's OpenAPI schema (`schema.gen.ts`). */
export type EdaKind = NonNullable<Body<"EdaRunCreate">["kind"]>;
export type EdaEngine = NonNullable<Body<"EdaRunCreate">["engine"]>;
export type EdaOutput = Model<"EdaOutput">;
export type EdaSource = Model<"EdaSourcePublic">;
export type EdaRunCreated = Model<"EdaRunCreated">;
export type EdaRun = Model<"EdaRunPublic">;

const ROOT = "/eda";

/** Object keys keep their "/": each part is encoded on its own. */
function keyPath(key: string): string {
  return key.split("/").map(segment).join("/");
}

export function edaApi(http: HttpClient) {
  return {
    sources: (signal?: AbortSignal) =>
      http.request<{ sources: EdaSource[] }>("GET", `${ROOT}/sources`, signal ? { signal } : {}),
    addSource: (source: string, target: string | null) =>
      http.request<EdaSource>("POST", `${ROOT}/sources`, { body: { source, target } }),
    deleteSource: (id: number) => http.request<void>("DELETE", `${ROOT}/sources/${id}`),
    deleteOutput: (folder: string) => http.request<void>("DELETE", `${ROOT}/outputs/${keyPath(folder)}`),
    /** `engine`: "auto" (Spark above the platform's size threshold), "polars" or "spark" (L0 only). */
    start: (source: string, kind: EdaKind, target: string | null, engine: EdaEngine = "auto") =>
      http.request<EdaRunCreated>("POST", `${ROOT}/runs`, { body: { source, kind, target, engine } }),
    /** A preliminary report of a file from this computer; the file is not kept. */
    upload: (file: File) => {
      const form = new FormData();
      form.append("file", file, file.name);
      return http.request<EdaRunCreated>("POST", `${ROOT}/uploads`, { form });
    },
    run: (runId: string) => http.request<EdaRun>("GET", `${ROOT}/runs/${segment(runId)}`),
    /** The browser opens this address in a new tab (the report is served sandboxed). */
    outputUrl: (key: string) => http.href(`${ROOT}/outputs/${keyPath(key)}`),
  };
}

export type EdaApi = ReturnType<typeof edaApi>;

export function eda(): EdaApi {
  return edaApi(api());
}
