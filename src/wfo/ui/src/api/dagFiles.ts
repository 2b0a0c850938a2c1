/**
 * The DAGs folder (`/wfo/api/v1/dag-files`): list, read, validate, save against the revision the
 * editor started from, upload, delete, history, restore and the Airflow 2 → 3 upgrade proposal.
 * File names are relative paths (`team/etl.py`): every segment is escaped on its own, so the
 * slashes stay path separators.
 */
import { api, ApiError, filesForm, formatDetail, type HttpClient } from "./client";
import type { Body, Model } from "./types";

export type ParseState = DagFileSummary["state"];

/** `line`, `column`: 1-based; null when unknown. */
export type Problem = Model<"Problem">;
export type ValidationResult = Model<"ValidationResult">;
export type UpgradeIssue = Model<"UpgradeIssue">;
/** `source`: the upgraded source (the input when nothing changed); `diff`: unified, "" when unchanged. */
export type UpgradeResult = Model<"UpgradeResult">;

export type DagFileSummary = Model<"DagFilePublic">;
export type DagFile = Model<"DagFileDetail">;
export type ValidateResponse = Model<"DagFileCheck">;
/** `base_revision` null creates the file (409 when it exists). */
export type SaveRequest = Body<"DagFileSave">;
/** `commit` null when the content equals the saved one (nothing committed). */
export type Saved = Model<"DagFileSaved">;
export type RejectedFile = Model<"DagFileRejection">;
export type UploadReport = Model<"DagFileUploadReport">;
export type HistoryAction = Revision["action"];
export type Revision = Model<"DagFileRevision">;
export type RevisionDiff = Model<"DagFileDiff">;

/** 409 `detail` of a save whose base revision is not the current one (not a model of the schema). */
export interface ConflictDetail {
  message: string;
  current_revision: string | null;
  current_content: string | null;
  current_author: string | null;
  current_time: string | null;
}

/** 422 `detail` of a save refused by validation (not a model of the schema). */
export interface InvalidDetail {
  message: string;
  validation: ValidationResult;
  upgrade: UpgradeResult | null;
}

const ROOT = "/dag-files";
const withSignal = (signal?: AbortSignal) => (signal ? { signal } : {});

/** `team/etl.py` -> `team/etl.py` with each segment escaped (`a b.py` -> `a%20b.py`). */
export function filePath(name: string): string {
  return name
    .split("/")
    .filter((part) => part !== "")
    .map(encodeURIComponent)
    .join("/");
}

/** The upload report in a response body: the body itself, or its `detail` object (a 422 refusing all). */
export function uploadReportOf(body: unknown): UploadReport | null {
  for (const candidate of [body, isObject(body) ? body.detail : undefined]) {
    if (isObject(candidate) && Array.isArray(candidate.rejected)) {
      // The server's `DagFileUploadReport`, every field included.
      return candidate as unknown as UploadReport;
    }
  }
  return null;
}

/**
 * `fetchImpl` serves the upload only: when nothing was accepted the server answers 422 with the
 * report in the body next to `detail`, which the shared client does not keep.
 */
export function dagFilesApi(http: HttpClient, fetchImpl: typeof fetch = (...args) => globalThis.fetch(...args)) {
  const file = (name: string) => `${ROOT}/${filePath(name)}`;
  return {
    list: (q: string, signal?: AbortSignal) =>
      http.request<Model<"DagFileList">>("GET", ROOT, { query: { q }, ...withSignal(signal) }),
    get: (name: string, signal?: AbortSignal) => http.request<DagFile>("GET", file(name), withSignal(signal)),
    validate: (name: string, content: string, signal?: AbortSignal) =>
      http.request<ValidateResponse>("POST", `${ROOT}/validate`, {
        body: { content, name } satisfies Body<"DagFileSource">,
        ...withSignal(signal),
      }),
    upgrade: (name: string, content: string) =>
      http.request<UpgradeResult>("POST", `${ROOT}/upgrade`, { body: { content, name } satisfies Body<"DagFileSource"> }),
    /** 409 (ConflictDetail) when someone saved in between, 422 (InvalidDetail) when validation fails. */
    save: (name: string, request: SaveRequest) => http.request<Saved>("PUT", file(name), { body: request }),
    /** Several `.py` files in one commit; the report says what happened to each. */
    upload: async (files: Iterable<File>, options: { force?: boolean; message?: string } = {}): Promise<UploadReport> => {
      const form = filesForm(files);
      if (options.force) {
        form.append("force", "true");
      }
      if (options.message) {
        form.append("message", options.message);
      }
      const response = await fetchImpl(http.href(ROOT), {
        body: form,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        method: "POST",
      });
      if (response.status === 401) {
        // Let the shared client send the user to the login page.
        return http.request<UploadReport>("GET", "/me");
      }
      let body: unknown = null;
      try {
        body = await response.json();
      } catch {
        // Not JSON: reported from the status below.
      }
      const report = response.ok || response.status === 422 ? uploadReportOf(body) : null;
      if (report !== null) {
        return report;
      }
      const detail = isObject(body) ? body.detail : undefined;
      throw new ApiError(
        response.status,
        formatDetail(detail) ?? `Upload failed: ${response.status} ${response.statusText}`.trim(),
        detail,
      );
    },
    remove: (name: string, baseRevision: string) =>
      http.request<void>("DELETE", file(name), { query: { base_revision: baseRevision } }),
    history: (name: string, signal?: AbortSignal) =>
      http.request<Model<"DagFileHistory">>("GET", `${file(name)}/history`, withSignal(signal)),
    revision: (name: string, commit: string, signal?: AbortSignal) =>
      http.request<Model<"DagFileContentAt">>(
        "GET",
        `${file(name)}/revisions/${encodeURIComponent(commit)}`,
        withSignal(signal),
      ),
    /** `to` is a commit or "working" (the file as it is now). */
    diff: (name: string, from: string, to: string, signal?: AbortSignal) =>
      http.request<RevisionDiff>("GET", `${file(name)}/diff`, { query: { from, to }, ...withSignal(signal) }),
    restore: (name: string, commit: string, baseRevision: string | null, force = false) =>
      http.request<Saved>("POST", `${file(name)}/restore`, {
        body: { base_revision: baseRevision, commit, force } satisfies Body<"DagFileRestore">,
      }),
  };
}

export type DagFilesApi = ReturnType<typeof dagFilesApi>;

export function dagFiles(): DagFilesApi {
  return dagFilesApi(api());
}

/** The file's revision as it is now (the base of a save or restore), or null when it does not exist. */
export async function currentRevision(name: string): Promise<string | null> {
  try {
    return (await dagFiles().get(name)).revision;
  } catch (error: unknown) {
    if (error instanceof ApiError && error.status === 404) {
      return null;
    }
    throw error;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** The 409 detail of a save, or null when the error is something else. */
export function conflictOf(detail: unknown): ConflictDetail | null {
  if (isObject(detail) && "current_revision" in detail) {
    return {
      current_author: typeof detail.current_author === "string" ? detail.current_author : null,
      current_content: typeof detail.current_content === "string" ? detail.current_content : null,
      current_revision: typeof detail.current_revision === "string" ? detail.current_revision : null,
      current_time: typeof detail.current_time === "string" ? detail.current_time : null,
      message: typeof detail.message === "string" ? detail.message : "Someone else saved this file meanwhile.",
    };
  }
  return null;
}

/** The 422 detail of a save refused by validation, or null when the error is something else. */
export function invalidOf(detail: unknown): InvalidDetail | null {
  if (isObject(detail) && isObject(detail.validation)) {
    const validation = detail.validation as unknown as ValidationResult;
    return {
      message: typeof detail.message === "string" ? detail.message : "The file does not validate.",
      upgrade: isObject(detail.upgrade) ? (detail.upgrade as unknown as UpgradeResult) : null,
      validation: { ...validation, errors: validation.errors ?? [], warnings: validation.warnings ?? [] },
    };
  }
  return null;
}

/** Airflow's page of a DAG (relative to Airflow's base URL, like our own routes). */
export function airflowDagPath(dagId: string): string {
  return `/dags/${encodeURIComponent(dagId)}`;
}

/**
 * Client-side check of a new file name before the editor opens; the server checks again.
 * Adds `.py` when it is missing. Returns the name or a message.
 */
export function normaliseNewName(input: string): { name: string } | { problem: string } {
  let name = input.trim().replace(/\\/gu, "/");
  if (name === "") {
    return { problem: "Enter a file name." };
  }
  if (!name.toLowerCase().endsWith(".py")) {
    name = `${name}.py`;
  }
  if (name.startsWith("/")) {
    return { problem: "Use a name relative to the DAGs folder (no leading “/”)." };
  }
  const parts = name.split("/");
  if (parts.some((part) => part === "" || part === "." || part === "..")) {
    return { problem: "Folder parts may not be empty, “.” or “..”." };
  }
  if (parts.some((part) => part.startsWith("."))) {
    return { problem: "Names may not start with “.”." };
  }
  if (!parts.every((part) => /^[A-Za-z0-9_.-]+$/u.test(part))) {
    return { problem: "Use letters, digits, “_”, “.” and “-” (and “/” for folders)." };
  }
  if (name.length > 255) {
    return { problem: "The name is too long (255 characters at most)." };
  }
  return { name };
}

/** A DAG id to start a new file with, from its name (`team/my-etl.py` -> `my_etl`). */
export function dagIdFor(name: string): string {
  const base = name.split("/").pop() ?? name;
  const stem = base.replace(/\.py$/iu, "");
  const id = stem.replace(/[^A-Za-z0-9_.-]/gu, "_").replace(/-/gu, "_");
  return id === "" ? "new_dag" : id;
}

/** What a new file starts with: a DAG named after the file, `dag` and `appName` defined for code bricks. */
export function newDagTemplate(name: string): string {
  const dagId = dagIdFor(name);
  return [
    "from datetime import datetime",
    "",
    "from airflow.sdk import DAG",
    "",
    `appName = "${dagId}"`,
    "",
    "dag = DAG(",
    `    dag_id="${dagId}",`,
    "    start_date=datetime(2024, 1, 1),",
    "    schedule=None,",
    "    catchup=False,",
    ")",
    "",
    "# Insert tasks from the code bricks on the right (they use `dag` and `appName`).",
    "",
  ].join("\n");
}
