/**
 * Config groups (`/wfo/api/v1/config-groups`): the groups and, per group, its Hadoop files, Spark
 * arguments and confs, Kerberos files, Livy endpoints and runtime (Dask cluster, Python interpreters). Keytab bytes and passwords are never
 * returned; passwords are write-only.
 */
import { api, filesForm, segment, type HttpClient } from "./client";
import { everyMember, type Body, type Model } from "./types";

/** The Hadoop files every group needs for Spark on YARN. */
export const REQUIRED_HADOOP_FILES = ["core-site.xml", "hdfs-site.xml", "yarn-site.xml"] as const;

export type ConfigGroupSummary = Model<"GroupSummary">;
export type ConfigGroupDetail = Model<"GroupDetail">;

export type StoredFile = Model<"StoredFile">;
export type HadoopFiles = Model<"HadoopFiles">;
/** As the editor keeps and saves it (an answer's properties have every field). */
export type HadoopProperty = Body<"HadoopProperty">;
export type HadoopFile = Model<"HadoopFileProperties">;

/** A spark-submit argument value: a list for `jars`, `py-files` and the other list arguments. */
export type SparkArgumentValue = SparkConfig["arguments"][string];

/** `code`: changes what code runs, needs can_edit on "WFO Cluster Code Settings". */
export type KnownSparkArgument = Model<"KnownArgument">;

/** The PUT body: the group's arguments, confs and Spark home, all sent (a full replace). */
export type SparkSettings = Required<Body<"SparkUpdate">>;

/**
 * A tuning conf: needs only can_edit on "WFO Config Groups" while its value matches `pattern` (the whole
 * trimmed value, ignoring ASCII case). Every conf not on the list decides what code runs.
 * `expected`: the accepted values in words ("a size like 512m, 2g or 64k").
 */
export type TuningConf = Model<"TuningConf">;

/**
 * The Spark section with what the page needs to edit it: `choices` (values the select arguments may
 * take: `jars`, `py-files` (Spark dependencies), `keytab`), `known_arguments` and the allow-list of tuning
 * confs (see `confRule`).
 */
export type SparkConfig = Model<"SparkSection">;

export type Keytab = Model<"KeytabPublic">;
export type KerberosConfig = Model<"KerberosSection">;
export type KerberosUpdate = Body<"KerberosUpdate">;

export type LivyEndpoint = Model<"LivyEndpointPublic">;
export type LivyAuth = LivyEndpoint["auth"];
export const LIVY_AUTH = everyMember<LivyAuth>()(["None", "Basic_Access", "Kerberos"]);
export type LivyConfig = Model<"LivySection">;
/** `url` "" for no endpoint; `password` absent: unchanged, "": cleared. */
export type LivyEndpointUpdate = Body<"LivyEndpointUpdate">;
export type LivyUpdate = Body<"LivyUpdate">;

/**
 * How the group runs PySpark tasks: `submit` (spark-submit, a driver per task) or `connect` (a Spark Connect
 * server; `url` null: the one wfo runs itself). A code setting: can_edit on "WFO Cluster Code Settings".
 */
export type SparkEngine = Model<"SparkEngine">;
export type SparkEngineName = SparkEngine["engine"];
export const SPARK_ENGINES = everyMember<SparkEngineName>()(["submit", "connect"]);
/** `token` (a remote server's, write-only): absent or null keeps the stored one, "" removes it. */
export type SparkEngineUpdate = Body<"SparkEngineUpdate">;

/**
 * Where Python tasks run (CoutureDaskYarnOperator, TensorflowOperator). Changing it needs can_edit on
 * "WFO Cluster Code Settings": interpreter paths decide what code runs.
 */
export type RuntimeConfig = Model<"RuntimeSection-Output">;
/** The PUT body of the runtime section (a full replace). */
export type RuntimeUpdate = Body<"RuntimeSection-Input">;
export type DaskMode = RuntimeConfig["dask"]["mode"];
export const DASK_MODES = everyMember<DaskMode>()(["local", "scheduler", "yarn"]);

const ROOT = "/config-groups";
const group = (name: string) => `${ROOT}/${segment(name)}`;
const withSignal = (signal?: AbortSignal) => (signal ? { signal } : {});

export function configGroupsApi(http: HttpClient) {
  return {
    list: (signal?: AbortSignal) =>
      http.request<Model<"GroupList">>("GET", ROOT, withSignal(signal)),
    get: (name: string, signal?: AbortSignal) => http.request<ConfigGroupDetail>("GET", group(name), withSignal(signal)),
    create: (name: string) => http.request<ConfigGroupDetail>("POST", ROOT, { body: { name } satisfies Body<"GroupCreate"> }),
    clone: (name: string, newName: string) =>
      http.request<ConfigGroupDetail>("POST", `${group(name)}/clone`, { body: { name: newName } satisfies Body<"GroupCreate"> }),
    rename: (name: string, newName: string) =>
      http.request<ConfigGroupDetail>("PATCH", group(name), { body: { name: newName } satisfies Body<"GroupRename"> }),
    setDefault: (name: string) => http.request<ConfigGroupDetail>("POST", `${group(name)}/default`),
    remove: (name: string) => http.request<void>("DELETE", group(name)),

    hadoopFiles: (name: string, signal?: AbortSignal) =>
      http.request<HadoopFiles>("GET", `${group(name)}/hadoop`, withSignal(signal)),
    uploadHadoopFiles: (name: string, files: Iterable<File>) =>
      http.request<HadoopFiles>("POST", `${group(name)}/hadoop`, { form: filesForm(files) }),
    hadoopFile: (name: string, file: string, signal?: AbortSignal) =>
      http.request<HadoopFile>("GET", `${group(name)}/hadoop/${segment(file)}`, withSignal(signal)),
    saveHadoopFile: (name: string, file: string, properties: HadoopProperty[]) =>
      http.request<HadoopFile>("PUT", `${group(name)}/hadoop/${segment(file)}`, { body: { properties } satisfies Body<"HadoopPropertiesUpdate"> }),
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
    saveKerberos: (name: string, settings: KerberosUpdate) =>
      http.request<KerberosConfig>("PUT", `${group(name)}/kerberos`, { body: settings }),
    deleteKeytab: (name: string, file: string) =>
      http.request<void>("DELETE", `${group(name)}/kerberos/keytabs/${segment(file)}`),
    deleteKrb5Conf: (name: string) => http.request<void>("DELETE", `${group(name)}/kerberos/krb5.conf`),

    livy: (name: string, signal?: AbortSignal) =>
      http.request<LivyConfig>("GET", `${group(name)}/livy`, withSignal(signal)),
    saveLivy: (name: string, settings: LivyUpdate) =>
      http.request<LivyConfig>("PUT", `${group(name)}/livy`, { body: settings }),

    sparkEngine: (name: string, signal?: AbortSignal) =>
      http.request<SparkEngine>("GET", `${group(name)}/spark-engine`, withSignal(signal)),
    saveSparkEngine: (name: string, settings: SparkEngineUpdate) =>
      http.request<SparkEngine>("PUT", `${group(name)}/spark-engine`, { body: settings }),
    runtime: (name: string, signal?: AbortSignal) =>
      http.request<RuntimeConfig>("GET", `${group(name)}/runtime`, withSignal(signal)),
    /** Full replace of the runtime section. */
    saveRuntime: (name: string, settings: RuntimeUpdate) =>
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
