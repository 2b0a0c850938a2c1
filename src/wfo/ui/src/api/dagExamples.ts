/**
 * The example DAGs shipped with wfo (`/wfo/api/v1/dag-examples`): listed and read (read-only), and
 * copied into the DAGs folder as a new file (saved like any new file; its DAG ids are its own).
 */
import { api, type HttpClient } from "./client";
import { filePath } from "./dagFiles";
import type { Body, Model } from "./types";

/** `description`: the first line of the file's docstring. */
export type DagExample = Model<"DagExamplePublic">;
export type DagExampleDetail = Model<"DagExampleDetail">;
/** `target`: the new file's name (default: the example's); `message`: the commit message. */
export type CopyRequest = Body<"DagExampleCopy">;
/** `renamed`: each DAG id of the example -> the copy's. */
export type Copied = Model<"DagExampleCopied">;

const ROOT = "/dag-examples";

export function dagExamplesApi(http: HttpClient) {
  const example = (name: string) => `${ROOT}/${filePath(name)}`;
  return {
    /** q matches names, DAG ids and descriptions. */
    list: (q: string, signal?: AbortSignal) =>
      http.request<Model<"DagExampleList">>("GET", ROOT, { query: { q }, ...(signal ? { signal } : {}) }),
    get: (name: string, signal?: AbortSignal) =>
      http.request<DagExampleDetail>("GET", example(name), signal ? { signal } : {}),
    /** 409 when the DAGs folder has a file of that name, 422 when the copy does not validate. */
    copy: (name: string, request: CopyRequest) => http.request<Copied>("POST", `${example(name)}/copy`, { body: request }),
  };
}

export type DagExamplesApi = ReturnType<typeof dagExamplesApi>;

export function dagExamples(): DagExamplesApi {
  return dagExamplesApi(api());
}

/** "Copied … as …; its DAG is …" — what the user needs to find the copy in Airflow. */
export function copiedMessage(copied: Copied): string {
  const ids = Object.values(copied.renamed);
  const dags = ids.length === 0 ? "" : `; its DAG${ids.length === 1 ? " is" : "s are"} ${ids.join(", ")}`;
  return `Copied the example ${copied.example} to ${copied.name}${dags}.`;
}
