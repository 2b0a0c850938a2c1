/** The Spark engine section's form state: where PySpark runs, and a remote server's write-only token. */
import type { SparkEngine, SparkEngineName, SparkEngineUpdate } from "../../api/configGroups";

/** `wfo`: the Spark Connect server wfo runs itself (url null); `remote`: a server at `url`. */
export type ConnectServer = "wfo" | "remote";

export interface EngineDraft {
  engine: SparkEngineName;
  server: ConnectServer;
  url: string;
  /** What the user typed; "" means "leave as is" unless `clearToken` is set. */
  token: string;
  clearToken: boolean;
}

export function engineDraftOf(engine: SparkEngine): EngineDraft {
  return {
    clearToken: false,
    engine: engine.engine,
    server: engine.url === null ? "wfo" : "remote",
    token: "",
    url: engine.url ?? "",
  };
}

/** The PUT body: a url and token only for a remote server; `token` only when it changes. */
export function engineUpdate(draft: EngineDraft): SparkEngineUpdate {
  if (draft.engine === "submit") {
    return { engine: "submit", url: null };
  }
  if (draft.server === "wfo") {
    return { engine: "connect", url: null };
  }
  const update: SparkEngineUpdate = { engine: "connect", url: draft.url.trim() };
  if (draft.token !== "") {
    update.token = draft.token;
  } else if (draft.clearToken) {
    update.token = "";
  }
  return update;
}

/** How the engine reads in one line ("Spark Connect: sc://spark.lan:15002"). */
export function engineSummary(engine: SparkEngine): string {
  if (engine.engine === "submit") {
    return "spark-submit (a driver per task)";
  }
  return engine.url === null ? "Spark Connect: the server wfo runs" : `Spark Connect: ${engine.url}`;
}
