// The group tabs' form state (Spark, Livy) and display formats: what the user sees and what is sent back.
import type { KnownSparkArgument, SparkConfig } from "../../../src/wfo/ui/src/api/configGroups";
import { formatSize, shortHash } from "../../../src/wfo/ui/src/format";
import { draftOf, endpointUpdate } from "../../../src/wfo/ui/src/pages/configGroups/livyForm";
import { draftFrom, emptyValue, settingsFrom } from "../../../src/wfo/ui/src/pages/configGroups/sparkForm";
import {
  engineDraftOf,
  engineSummary,
  engineUpdate,
} from "../../../src/wfo/ui/src/pages/configGroups/sparkEngineForm";

const known: KnownSparkArgument[] = [
  { choices: null, code: false, kind: "string", name: "master" },
  { choices: null, code: false, kind: "memory", name: "driver-memory" },
  { code: false, choices: ["client", "cluster"], kind: "choice", name: "deploy-mode" },
  { choices: null, code: true, kind: "list", name: "jars" },
  { choices: null, code: true, kind: "list", name: "files" },
];

const config: SparkConfig = {
  arguments: { "driver-memory": "2g", files: ["a.txt", "b.txt"], jars: ["x.jar"], master: "yarn" },
  choices: { jars: ["x.jar", "y.jar"], keytab: [] },
  confs: { "spark.scheduler.mode": "FAIR" },
  known_arguments: known,
  spark_home: null,
  tuning_confs: [
    { description: "", expected: "one of FIFO, FAIR", key: "spark.scheduler.mode", kind: "choice", pattern: "FIFO|FAIR" },
  ],
};

describe("spark form", () => {
  it("round-trips the settings: multi-selects stay lists, free lists are comma-separated text", () => {
    const draft = draftFrom(config);
    expect(draft.arguments).toEqual([
      { key: "driver-memory", value: "2g" },
      { key: "files", value: "a.txt,b.txt" },
      { key: "jars", value: ["x.jar"] },
      { key: "master", value: "yarn" },
    ]);
    expect(settingsFrom(draft, known)).toEqual({
      arguments: config.arguments,
      confs: config.confs,
      spark_home: null,
    });
  });

  it("splits typed lists, trims values and sends an empty Spark home as null", () => {
    const draft = draftFrom(config);
    draft.arguments[1] = { key: "files", value: " a.txt, ,c.txt " };
    draft.arguments[3] = { key: "master", value: " local[2] " };
    draft.sparkHome = "  ";
    const settings = settingsFrom(draft, known);
    expect(settings.arguments.files).toEqual(["a.txt", "c.txt"]);
    expect(settings.arguments.master).toBe("local[2]");
    expect(settings.spark_home).toBeNull();
  });

  it("starts new rows with a value that fits their input", () => {
    expect(emptyValue(known[3], config.choices)).toEqual([]);
    expect(emptyValue(known[2], config.choices)).toBe("client");
    expect(emptyValue(known[1], config.choices)).toBe("");
  });
});

describe("format", () => {
  it("shows sizes like ls -h and short hashes", () => {
    expect(formatSize(383)).toBe("383 B");
    expect(formatSize(1750)).toBe("1.7 KB");
    expect(formatSize(12 * 1024 * 1024)).toBe("12.0 MB");
    expect(shortHash("382837e05349abcdef")).toBe("382837e05349");
  });
});

describe("livy form", () => {
  const stored = { auth: "Basic_Access" as const, password_set: true, url: "http://livy:8998", username: "bob" };

  it("leaves a stored password out of the update unless a new one is typed", () => {
    const draft = draftOf(stored);
    expect(draft.password).toBe("");
    expect(endpointUpdate(draft)).toEqual({ auth: "Basic_Access", url: "http://livy:8998", username: "bob" });
    expect(endpointUpdate({ ...draft, password: "n3w" }).password).toBe("n3w");
  });

  it("clears the stored password with an empty string", () => {
    expect(endpointUpdate({ ...draftOf(stored), clear: true })).toHaveProperty("password", "");
  });
});

describe("spark engine form", () => {
  it("sends a url and token only for a remote server, the token only when it changes", () => {
    const remote = engineDraftOf({ engine: "connect", url: "sc://spark.lan:15002" });
    expect(remote.server).toBe("remote");
    expect(engineUpdate(remote)).toEqual({ engine: "connect", url: "sc://spark.lan:15002" });
    expect(engineUpdate({ ...remote, token: "s3cret" })).toEqual({
      engine: "connect",
      token: "s3cret",
      url: "sc://spark.lan:15002",
    });
    expect(engineUpdate({ ...remote, clearToken: true, url: " sc://other:1 " })).toEqual({
      engine: "connect",
      token: "",
      url: "sc://other:1",
    });
    // Switching to wfo's own server or to spark-submit sends no url, no token.
    expect(engineUpdate({ ...remote, server: "wfo", token: "s3cret" })).toEqual({ engine: "connect", url: null });
    expect(engineUpdate({ ...remote, engine: "submit", token: "s3cret" })).toEqual({ engine: "submit", url: null });
  });

  it("says where PySpark runs in one line", () => {
    expect(engineSummary({ engine: "submit", url: null })).toBe("spark-submit (a driver per task)");
    expect(engineSummary({ engine: "connect", url: null })).toBe("Spark Connect: the server wfo runs");
    expect(engineSummary({ engine: "connect", url: "sc://h:1" })).toBe("Spark Connect: sc://h:1");
    expect(engineDraftOf({ engine: "connect", url: null })).toMatchObject({ server: "wfo", url: "" });
  });
});
