/** The Runtime tab's form state: numbers are edited as text and checked by the server on save. */
import type { DaskMode, RuntimeConfig, RuntimeUpdate } from "../../api/configGroups";

export interface EnvironmentRow {
  name: string;
  path: string;
}

export interface RuntimeDraft {
  mode: DaskMode;
  schedulerAddress: string;
  localWorkers: string;
  threadsPerWorker: string;
  yarnEnvironment: string;
  yarnVcores: string;
  yarnMemory: string;
  yarnWorkers: string;
  environments: EnvironmentRow[];
  /** "" for wfo's own Python. */
  defaultPython: string;
  /** "" for the platform's default queue. */
  queue: string;
}

export function runtimeDraftOf(config: RuntimeConfig): RuntimeDraft {
  const { dask } = config;
  return {
    defaultPython: config.default_python ?? "",
    environments: Object.entries(config.python_environments).map(([name, path]) => ({ name, path })),
    localWorkers: String(dask.local_workers),
    mode: dask.mode,
    queue: config.queue ?? "",
    schedulerAddress: dask.scheduler_address ?? "",
    threadsPerWorker: String(dask.threads_per_worker),
    yarnEnvironment: dask.yarn.environment ?? "",
    yarnMemory: dask.yarn.worker_memory,
    yarnVcores: String(dask.yarn.worker_vcores),
    yarnWorkers: String(dask.yarn.n_workers),
  };
}

/** A whole number as typed, or the text itself so the server names the setting in its refusal. */
function integer(text: string): number {
  const trimmed = text.trim();
  return /^\d+$/u.test(trimmed) ? Number(trimmed) : (trimmed as unknown as number);
}

const orNull = (text: string) => (text.trim() === "" ? null : text.trim());

/** The PUT body: the full section (rows without a name and path are dropped). */
export function runtimeUpdate(draft: RuntimeDraft): RuntimeUpdate {
  const environments: Record<string, string> = {};
  for (const row of draft.environments) {
    if (row.name.trim() !== "" || row.path.trim() !== "") {
      environments[row.name.trim()] = row.path.trim();
    }
  }
  return {
    dask: {
      local_workers: integer(draft.localWorkers),
      mode: draft.mode,
      scheduler_address: orNull(draft.schedulerAddress),
      threads_per_worker: integer(draft.threadsPerWorker),
      yarn: {
        environment: orNull(draft.yarnEnvironment),
        n_workers: integer(draft.yarnWorkers),
        worker_memory: draft.yarnMemory.trim(),
        worker_vcores: integer(draft.yarnVcores),
      },
    },
    default_python: orNull(draft.defaultPython),
    python_environments: environments,
    queue: orNull(draft.queue),
  };
}
