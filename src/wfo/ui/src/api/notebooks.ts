/**
 * Notebooks (`/wfo/api/v1/notebooks`): the hub login link (single sign-on into JupyterLab) and the
 * user's own notebooks plus those of `common_workspace`.
 */
import { api, segment, type HttpClient } from "./client";
import type { Model } from "./types";

export type NotebookEntry = Model<"NotebookEntry">;
export type NotebookFolder = NotebookEntry["folder"];

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
  };
}

export type NotebooksApi = ReturnType<typeof notebooksApi>;

export function notebooks(): NotebooksApi {
  return notebooksApi(api());
}
