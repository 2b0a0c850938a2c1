/**
 * File repositories: Spark dependencies (`/wfo/api/v1/spark-dependencies`, the jars and Python files
 * config groups put on the classpath/PYTHONPATH) and code artifacts (`/wfo/api/v1/code-artifacts`,
 * versioned files operators fetch by name).
 */
import { api, filesForm, segment, type HttpClient } from "./client";

export type SparkDependencyKind = "jar" | "py" | "zip" | "egg";

/** File name endings the Spark dependencies repository accepts (for the file picker). */
export const SPARK_DEPENDENCY_EXTENSIONS = [".jar", ".py", ".zip", ".egg"] as const;

export interface SparkDependency {
  name: string;
  size: number;
  /** ISO 8601, UTC. */
  modified: string | null;
  kind: SparkDependencyKind;
}

export interface CodeArtifactSummary {
  name: string;
  size: number;
  modified: string | null;
  /** Latest version number. */
  version: number;
  /** How many versions are kept. */
  versions: number;
  uploaded_by: string | null;
  /** Whether the content can be shown as text. */
  text: boolean;
}

export interface CodeArtifactVersion {
  version: number;
  size: number;
  sha256: string;
  uploaded_by: string | null;
  uploaded_at: string | null;
  /** Whether this version can be shown as text. */
  text?: boolean;
  /** The version a restore copied. */
  restored_from?: number | null;
}

export interface CodeArtifactUploaded {
  name: string;
  version: number;
  /** The bytes equal the latest version: no version was added. */
  unchanged?: boolean;
}

export interface CodeArtifactDetail {
  name: string;
  latest: number;
  versions: CodeArtifactVersion[];
}

export interface CodeArtifactContent {
  name: string;
  version: number;
  text: string;
}

const DEPS = "/spark-dependencies";
const ARTIFACTS = "/code-artifacts";
const withSignal = (signal?: AbortSignal) => (signal ? { signal } : {});

export function sparkDependenciesApi(http: HttpClient) {
  return {
    list: (signal?: AbortSignal) => http.request<{ files: SparkDependency[] }>("GET", DEPS, withSignal(signal)),
    upload: (files: Iterable<File>) =>
      http.request<{ files: SparkDependency[] }>("POST", DEPS, { form: filesForm(files) }),
    downloadUrl: (name: string) => http.href(`${DEPS}/${segment(name)}/download`),
    /** 409 when a config group uses the file; the message names the groups. */
    remove: (name: string) => http.request<void>("DELETE", `${DEPS}/${segment(name)}`),
  };
}

export function codeArtifactsApi(http: HttpClient) {
  const artifact = (name: string) => `${ARTIFACTS}/${segment(name)}`;
  return {
    list: (q: string, signal?: AbortSignal) =>
      http.request<{ artifacts: CodeArtifactSummary[] }>("GET", ARTIFACTS, { query: { q }, ...withSignal(signal) }),
    /** Several files at once; a name that exists gets a new version. */
    upload: (files: Iterable<File>) =>
      http.request<{ uploaded: CodeArtifactUploaded[] }>("POST", ARTIFACTS, { form: filesForm(files) }),
    get: (name: string, signal?: AbortSignal) =>
      http.request<CodeArtifactDetail>("GET", artifact(name), withSignal(signal)),
    /** Text of one version (415 for binary files). */
    content: (name: string, version: number, signal?: AbortSignal) =>
      http.request<CodeArtifactContent>("GET", `${artifact(name)}/content`, {
        query: { version },
        ...withSignal(signal),
      }),
    downloadUrl: (name: string, version?: number) => http.href(`${artifact(name)}/download`, { version }),
    /** Makes a new latest version with that version's content. */
    restore: (name: string, version: number) =>
      http.request<CodeArtifactUploaded>("POST", `${artifact(name)}/restore`, { body: { version } }),
    /** Deletes every version. */
    remove: (name: string) => http.request<void>("DELETE", artifact(name)),
  };
}

export type SparkDependenciesApi = ReturnType<typeof sparkDependenciesApi>;
export type CodeArtifactsApi = ReturnType<typeof codeArtifactsApi>;

export function sparkDependencies(): SparkDependenciesApi {
  return sparkDependenciesApi(api());
}

export function codeArtifacts(): CodeArtifactsApi {
  return codeArtifactsApi(api());
}
