// The Runtime tab's form: a PUT replaces the whole section, so every setting the server shows must come
// back in the body unchanged, or a save from the page would reset it.
import type { RuntimeConfig } from "../../../src/wfo/ui/src/api/configGroups";
import { runtimeDraftOf, runtimeUpdate } from "../../../src/wfo/ui/src/pages/configGroups/runtimeForm";

const shown: RuntimeConfig = {
  dask: {
    local_workers: 3,
    mode: "scheduler",
    scheduler_address: "tcp://dask:8786",
    threads_per_worker: 2,
    yarn: { environment: "hdfs:///envs/dask.tar.gz", n_workers: 4, worker_memory: "4 GiB", worker_vcores: 2 },
  },
  default_python: "tf",
  python_environments: { tf: "/opt/envs/tf/bin/python" },
  queue: "edge-a",
};

describe("runtime form", () => {
  it("sends back every setting it was shown, the queue included", () => {
    expect(runtimeUpdate(runtimeDraftOf(shown))).toEqual(shown);
  });

  it("sends null for an emptied queue (the platform's default queue)", () => {
    const draft = { ...runtimeDraftOf(shown), queue: "  " };
    expect(runtimeUpdate(draft).queue).toBeNull();
  });
});
