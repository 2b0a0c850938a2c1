/**
 * Notebooks (`/wfo/api/v1/notebooks`): the hub login link (single sign-on into JupyterLab) and the
 * user's own notebooks plus those of `common_workspace`.
 */
import { api, segment, type HttpClient } from "./client";
import type { Model } from "./types";

export type NotebookEntry = Model<"NotebookEntry">;
export type NotebookFolder = NotebookEntry["folder"];
export type NotebookParameter = Model<"NotebookParameter">;
export type NotebookSchedule = Model<"NotebookSchedule">;
export type NotebookScheduleCreate = Model<"NotebookScheduleCreate">;
export type NotebookRun = Model<"NotebookRun">;
export type GitConfig = Model<"GitConfigPublic">;
export type GitConfigUpdate = Model<"GitConfigUpdate">;
export type GitStatus = Model<"GitStatus">;
export type GitFileDiff = Model<"GitFileDiff">;
export type GitCommitInfo = Model<"GitCommitInfo">;
export type GitSyncResult = Model<"GitSyncResult">;

const ROOT = "/notebooks";
const withSignal = (signal?: AbortSignal) => (signal ? { signal } : {});
const filePath = (folder: NotebookFolder, path: string) => `${folder}/${path.split("/").map(segment).join("/")}`;

export function notebooksApi(http: HttpClient) {
  return {
    /** A one-time link (60 s) that logs the current user in to JupyterHub and opens JupyterLab. */
    login: () => http.request<Model<"NotebookLogin">>("POST", `${ROOT}/login`),
    list: (signal?: AbortSignal) => http.request<Model<"NotebookList">>("GET", ROOT, withSignal(signal)),
    upload: (file: File, folder: NotebookFolder) => {
      const form = new FormData();
      form.append("folder", folder);
      form.append("file", file, file.name);
      return http.request<NotebookEntry>("POST", `${ROOT}/uploads`, { form });
    },
    downloadUrl: (folder: NotebookFolder, path: string) => http.href(`${ROOT}/files/${filePath(folder, path)}`),
    /** The notebook rendered read-only; the server sends it with a sandboxing Content-Security-Policy. */
    viewUrl: (folder: NotebookFolder, path: string) => http.href(`${ROOT}/view/${filePath(folder, path)}`),
    remove: (folder: NotebookFolder, path: string) => http.request<void>("DELETE", `${ROOT}/files/${filePath(folder, path)}`),
    /** The parameters cell's names, types and defaults; `path` relative to the notebook root. */
    parameters: (path: string, signal?: AbortSignal) =>
      http.request<Model<"NotebookParameters">>("GET", `${ROOT}/parameters`, { query: { path }, ...withSignal(signal) }),
    nextRuns: (schedule: string, signal?: AbortSignal) =>
      http.request<Model<"NextRuns">>("GET", `${ROOT}/schedules/next-runs`, { query: { schedule }, ...withSignal(signal) }),
    schedules: (signal?: AbortSignal) => http.request<Model<"NotebookScheduleList">>("GET", `${ROOT}/schedules`, withSignal(signal)),
    schedule: (body: NotebookScheduleCreate) => http.request<Model<"NotebookScheduleSaved">>("POST", `${ROOT}/schedules`, { body }),
    unschedule: (dagId: string) => http.request<void>("DELETE", `${ROOT}/schedules/${segment(dagId)}`),
    runs: (notebook: string, signal?: AbortSignal) =>
      http.request<Model<"NotebookRuns">>("GET", `${ROOT}/runs`, { query: { notebook }, ...withSignal(signal) }),
    git: {
      config: (signal?: AbortSignal) => http.request<GitConfig>("GET", `${ROOT}/git/config`, withSignal(signal)),
      saveConfig: (body: GitConfigUpdate) => http.request<GitConfig>("PUT", `${ROOT}/git/config`, { body }),
      status: (signal?: AbortSignal) => http.request<GitStatus>("GET", `${ROOT}/git/status`, withSignal(signal)),
      diff: (path?: string) => http.request<Model<"GitDiff">>("GET", `${ROOT}/git/diff`, { query: { path } }),
      commit: (files: string[], message: string) =>
        http.request<GitSyncResult>("POST", `${ROOT}/git/commits`, { body: { files, message } }),
      log: (signal?: AbortSignal) => http.request<Model<"GitLog">>("GET", `${ROOT}/git/commits`, withSignal(signal)),
      show: (commit: string) => http.request<Model<"GitCommitDetail">>("GET", `${ROOT}/git/commits/${segment(commit)}`),
      pull: () => http.request<GitSyncResult>("POST", `${ROOT}/git/pull`),
      push: () => http.request<GitSyncResult>("POST", `${ROOT}/git/push`),
    },
  };
}

export type NotebooksApi = ReturnType<typeof notebooksApi>;

export function notebooks(): NotebooksApi {
  return notebooksApi(api());
}
