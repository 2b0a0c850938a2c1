/** The Spark tab's editable state and its conversion to and from the API's settings. */
import type { KnownSparkArgument, SparkConfig, SparkSettings } from "../../api/configGroups";

export interface ArgumentRow {
  key: string;
  /** A list for multi-selects; text (comma-separated for list arguments) otherwise. */
  value: string | string[];
}

export interface ConfRow {
  key: string;
  value: string;
}

export interface SparkDraft {
  arguments: ArgumentRow[];
  confs: ConfRow[];
  sparkHome: string;
}

/** Arguments picked from a list the server offers (`jars`, `py-files`, `keytab`, ...). */
export function isMultiSelect(known: KnownSparkArgument | undefined, choices: Record<string, string[]>): boolean {
  return known?.kind === "list" && known.name in choices;
}

export function draftFrom(config: SparkConfig): SparkDraft {
  const known = new Map(config.known_arguments.map((argument) => [argument.name, argument]));
  return {
    arguments: Object.entries(config.arguments).map(([key, value]) => {
      if (isMultiSelect(known.get(key), config.choices)) {
        return { key, value: Array.isArray(value) ? value : splitList(value) };
      }
      return { key, value: Array.isArray(value) ? value.join(",") : String(value) };
    }),
    confs: Object.entries(config.confs).map(([key, value]) => ({ key, value: String(value) })),
    sparkHome: config.spark_home ?? "",
  };
}

export function splitList(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** The PUT body: list arguments as arrays, the rest as the text typed. */
export function settingsFrom(draft: SparkDraft, knownArguments: KnownSparkArgument[]): SparkSettings {
  const known = new Map(knownArguments.map((argument) => [argument.name, argument]));
  const args: SparkSettings["arguments"] = {};
  for (const row of draft.arguments) {
    const kind = known.get(row.key)?.kind;
    if (Array.isArray(row.value)) {
      args[row.key] = row.value;
    } else if (kind === "list") {
      args[row.key] = splitList(row.value);
    } else {
      args[row.key] = row.value.trim();
    }
  }
  const confs: Record<string, string> = {};
  for (const row of draft.confs) {
    confs[row.key] = row.value;
  }
  const sparkHome = draft.sparkHome.trim();
  return { arguments: args, confs, spark_home: sparkHome === "" ? null : sparkHome };
}

/** The value a new argument row starts with. */
export function emptyValue(known: KnownSparkArgument | undefined, choices: Record<string, string[]>): string | string[] {
  if (isMultiSelect(known, choices)) {
    return [];
  }
  if (known?.kind === "choice") {
    return known.choices?.[0] ?? "";
  }
  return "";
}
