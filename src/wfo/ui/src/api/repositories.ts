/**
 * File repositories: Spark dependencies (`/wfo/api/v1/spark-dependencies`, the jars and Python files
 * config groups put on the classpath/PYTHONPATH) and code artifacts (`/wfo/api/v1/code-artifacts`,
 * versioned files operators fetch by name).
 */
import { api, filesForm, segment, type HttpClient } from "./client";
import type { Body, Model } from "./types";

export type SparkDependency = Model<"SparkDependencyPublic">;
export type SparkDependencyKind = SparkDependency["kind"];

/** File name endings the Spark dependencies repository accepts (for the file picker). */
export const SPARK_DEPENDENCY_EXTENSIONS = [".jar", ".py", ".zip", ".egg"] as const;

/** `version`: the latest version number; `versions`: how many are kept; `text`: shown as text. */
export type CodeArtifactSummary = Model<"CodeArtifactPublic">;
/** `restored_from`: the version a restore copied. */
export type CodeArtifactVersion = Model<"CodeArtifactVersionPublic">;
/** `unchanged`: the bytes equal the latest version, no version was added. */
export type CodeArtifactUploaded = Model<"CodeArtifactUploaded">;
export type CodeArtifactDetail = Model<"CodeArtifactDetail">;
export type CodeArtifactContent = Model<"CodeArtifactContent">;

const DEPS = "/spark-dependencies";
const ARTIFACTS = "/code-artifacts";
const withSignal = (signal?: AbortSignal) => (signal ? { signal } : {});

export function sparkDependenciesApi(http: HttpClient) {
  return {
    list: (signal?: AbortSignal) => http.request<Model<"SparkDependencyList">>("GET", DEPS, withSignal(signal)),
    upload: (files: Iterable<File>) =>
      http.request<Model<"SparkDependencyList">>("POST", DEPS, { form: filesForm(files) }),
    downloadUrl: (name: string) => http.href(`${DEPS}/${segment(name)}/download`),
    /** 409 when a config group uses the file; the message names the groups. */
    remove: (name: string) => http.request<void>("DELETE", `${DEPS}/${segment(name)}`),
  };
}

export function codeArtifactsApi(http: HttpClient) {
  const artifact = (name: string) => `${ARTIFACTS}/${segment(name)}`;
  return {
    list: (q: string, signal?: AbortSignal) =>
      http.request<Model<"CodeArtifactList">>("GET", ARTIFACTS, { query: { q }, ...withSignal(signal) }),
    /** Several files at once; a name that exists gets a new version. */
    upload: (files: Iterable<File>) =>
      http.request<Model<"CodeArtifactUploadResult">>("POST", ARTIFACTS, { form: filesForm(files) }),
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
      http.request<CodeArtifactUploaded>("POST", `${artifact(name)}/restore`, { body: { version } satisfies Body<"CodeArtifactRestore"> }),
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
