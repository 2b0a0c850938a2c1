/**
 * Config groups (`/wfo/api/v1/config-groups`): the groups and, per group, its Hadoop files, Spark
 * arguments and confs, Kerberos files, Livy endpoints and runtime (Dask cluster, Python interpreters). Keytab bytes and passwords are never
 * returned; passwords are write-only.
 */
import { api, filesForm, segment, type HttpClient } from "./client";

/** The Hadoop files every group needs for Spark on YARN. */
export const REQUIRED_HADOOP_FILES = ["core-site.xml", "hdfs-site.xml", "yarn-site.xml"] as const;

export interface ConfigGroupSummary {
  name: string;
  is_default: boolean;
  spark_master: string | null;
  hadoop_files: number;
  missing_hadoop_files: string[];
  kerberos: boolean;
  updated_at: string | null;
  updated_by: string | null;
}

export interface StoredFile {
  name: string;
  size: number;
  /** ISO 8601, UTC. */
  modified: string;
}

export interface HadoopFiles {
  files: StoredFile[];
  missing: string[];
}

export interface HadoopProperty {
  name: string;
  value: string;
  description?: string | null;
  final?: boolean | null;
}

export interface HadoopFile {
  name: string;
  properties: HadoopProperty[];
}

/** A spark-submit argument value: a list for `jars`, `py-files` and the other list arguments. */
export type SparkArgumentValue = string | string[];

export type SparkArgumentKind = "string" | "memory" | "integer" | "list" | "choice";

export interface KnownSparkArgument {
  name: string;
  kind: SparkArgumentKind;
  choices?: string[] | null;
  /** Changes what code runs: needs can_edit on "WFO Cluster Code Settings". */
  code: boolean;
}

export interface SparkSettings {
  arguments: Record<string, SparkArgumentValue>;
  confs: Record<string, string>;
  spark_home: string | null;
}

/**
 * A tuning conf: needs only can_edit on "WFO Config Groups" while its value matches `pattern` (the whole
 * trimmed value, ignoring ASCII case). Every conf not on the list decides what code runs.
 */
export interface TuningConf {
  key: string;
  kind: string;
  pattern: string;
  /** The accepted values in words ("a size like 512m, 2g or 64k"). */
  expected: string;
  description: string;
}

export interface SparkConfig extends SparkSettings {
  /** Values the select arguments may take: `jars`, `py-files` (Spark dependencies), `keytab`. */
  choices: Record<string, string[]>;
  known_arguments: KnownSparkArgument[];
  /** The allow-list of tuning confs; see `confRule`. */
  tuning_confs: TuningConf[];
}

export interface Keytab extends StoredFile {
  principals: string[];
}

export interface KerberosConfig {
  principal: string | null;
  keytab: string | null;
  krb5_conf: boolean;
  keytabs: Keytab[];
}

export type LivyAuth = "None" | "Basic_Access" | "Kerberos";
export const LIVY_AUTH: readonly LivyAuth[] = ["None", "Basic_Access", "Kerberos"];

export interface LivyEndpoint {
  url: string | null;
  auth: LivyAuth;
  username: string | null;
  password_set: boolean;
}

export interface LivyConfig {
  python: LivyEndpoint;
  scala: LivyEndpoint;
}

export interface LivyEndpointUpdate {
  /** "" for no endpoint. */
  url: string;
  auth: LivyAuth;
  username: string;
  /** Absent: unchanged; "": cleared. */
  password?: string;
}

export interface LivyUpdate {
  python: LivyEndpointUpdate;
  scala: LivyEndpointUpdate;
}

export type DaskMode = "local" | "scheduler" | "yarn";
export const DASK_MODES: readonly DaskMode[] = ["local", "scheduler", "yarn"];

/**
 * Where Python tasks run (CoutureDaskYarnOperator, TensorflowOperator). Changing it needs can_edit on
 * "WFO Cluster Code Settings": interpreter paths decide what code runs.
 */
export interface RuntimeConfig {
  dask: {
    mode: DaskMode;
    /** tcp://host:port or tls://host:port; used in "scheduler" mode. */
    scheduler_address: string | null;
    local_workers: number;
    threads_per_worker: number;
    yarn: { environment: string | null; worker_vcores: number; worker_memory: string; n_workers: number };
  };
  /** Environment name -> absolute path of its Python interpreter. */
  python_environments: Record<string, string>;
  /** The environment tasks use when they name none; null: wfo's own Python. */
  default_python: string | null;
}

export interface ConfigGroupDetail {
  name: string;
  is_default: boolean;
  spark_home: string | null;
  updated_at: string | null;
  updated_by: string | null;
  spark: { arguments: Record<string, SparkArgumentValue>; confs: Record<string, string> };
  hadoop: HadoopFiles;
  kerberos: KerberosConfig;
  livy: LivyConfig;
}

const ROOT = "/config-groups";
const group = (name: string) => `${ROOT}/${segment(name)}`;
const withSignal = (signal?: AbortSignal) => (signal ? { signal } : {});

export function configGroupsApi(http: HttpClient) {
  return {
    list: (signal?: AbortSignal) =>
      http.request<{ groups: ConfigGroupSummary[] }>("GET", ROOT, withSignal(signal)),
    get: (name: string, signal?: AbortSignal) => http.request<ConfigGroupDetail>("GET", group(name), withSignal(signal)),
    create: (name: string) => http.request<ConfigGroupDetail>("POST", ROOT, { body: { name } }),
    clone: (name: string, newName: string) =>
      http.request<ConfigGroupDetail>("POST", `${group(name)}/clone`, { body: { name: newName } }),
    rename: (name: string, newName: string) =>
      http.request<ConfigGroupDetail>("PATCH", group(name), { body: { name: newName } }),
    setDefault: (name: string) => http.request<ConfigGroupDetail>("POST", `${group(name)}/default`),
    remove: (name: string) => http.request<void>("DELETE", group(name)),

    hadoopFiles: (name: string, signal?: AbortSignal) =>
      http.request<HadoopFiles>("GET", `${group(name)}/hadoop`, withSignal(signal)),
    uploadHadoopFiles: (name: string, files: Iterable<File>) =>
      http.request<HadoopFiles>("POST", `${group(name)}/hadoop`, { form: filesForm(files) }),
    hadoopFile: (name: string, file: string, signal?: AbortSignal) =>
      http.request<HadoopFile>("GET", `${group(name)}/hadoop/${segment(file)}`, withSignal(signal)),
    saveHadoopFile: (name: string, file: string, properties: HadoopProperty[]) =>
      http.request<HadoopFile>("PUT", `${group(name)}/hadoop/${segment(file)}`, { body: { properties } }),
    hadoopFileDownloadUrl: (name: string, file: string) => http.href(`${group(name)}/hadoop/${segment(file)}/download`),
    deleteHadoopFile: (name: string, file: string) =>
      http.request<void>("DELETE", `${group(name)}/hadoop/${segment(file)}`),

    spark: (name: string, signal?: AbortSignal) =>
      http.request<SparkConfig>("GET", `${group(name)}/spark`, withSignal(signal)),
    /** Full replace of the group's arguments, confs and Spark home. */
    saveSpark: (name: string, settings: SparkSettings) =>
      http.request<SparkConfig>("PUT", `${group(name)}/spark`, { body: settings }),

    kerberos: (name: string, signal?: AbortSignal) =>
      http.request<KerberosConfig>("GET", `${group(name)}/kerberos`, withSignal(signal)),
    /** `krb5.conf` and/or `*.keytab` files. */
    uploadKerberosFiles: (name: string, files: Iterable<File>) =>
      http.request<KerberosConfig>("POST", `${group(name)}/kerberos/files`, { form: filesForm(files) }),
    saveKerberos: (name: string, settings: { principal: string | null; keytab: string | null }) =>
      http.request<KerberosConfig>("PUT", `${group(name)}/kerberos`, { body: settings }),
    deleteKeytab: (name: string, file: string) =>
      http.request<void>("DELETE", `${group(name)}/kerberos/keytabs/${segment(file)}`),
    deleteKrb5Conf: (name: string) => http.request<void>("DELETE", `${group(name)}/kerberos/krb5.conf`),

    livy: (name: string, signal?: AbortSignal) =>
      http.request<LivyConfig>("GET", `${group(name)}/livy`, withSignal(signal)),
    saveLivy: (name: string, settings: LivyUpdate) =>
      http.request<LivyConfig>("PUT", `${group(name)}/livy`, { body: settings }),

    runtime: (name: string, signal?: AbortSignal) =>
      http.request<RuntimeConfig>("GET", `${group(name)}/runtime`, withSignal(signal)),
    /** Full replace of the runtime section. */
    saveRuntime: (name: string, settings: RuntimeConfig) =>
      http.request<RuntimeConfig>("PUT", `${group(name)}/runtime`, { body: settings }),
  };
}

export type ConfigGroupsApi = ReturnType<typeof configGroupsApi>;

/** The config groups API bound to the browser's client. */
export function configGroups(): ConfigGroupsApi {
  return configGroupsApi(api());
}

const GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/u;

/** The server's rule for group names, checked before sending; returns a message or null. */
export function validateGroupName(name: string): string | null {
  if (name === "") {
    return "Enter a name.";
  }
  return GROUP_NAME.test(name)
    ? null
    : "Use up to 64 letters, digits, “_”, “.” or “-”, starting with a letter or digit.";
}

/** Why a conf needs "WFO Cluster Code Settings" (null: it is a tuning setting). */
export type CodeReason = null | { kind: "unlisted" } | { kind: "value"; expected: string };

/**
 * Classifies Spark confs as the server does, from its allow-list (`SparkConfig.tuning_confs`): a conf is
 * a tuning setting when its key is listed and its value matches the entry's pattern; anything else
 * changes what code runs, and only users with can_edit on "WFO Cluster Code Settings" may change it. The
 * server enforces it; this only lets the page say so up front.
 */
export function confRule(tuning: readonly TuningConf[]): (key: string, value: string) => CodeReason {
  const rules = new Map(
    tuning.map((rule) => [rule.key, { expected: rule.expected, pattern: new RegExp(`^(?:${rule.pattern})$`, "i") }]),
  );
  return (key, value) => {
    const rule = rules.get(key.trim());
    if (rule === undefined) {
      return { kind: "unlisted" };
    }
    return rule.pattern.test(value.trim()) ? null : { kind: "value", expected: rule.expected };
  };
}
