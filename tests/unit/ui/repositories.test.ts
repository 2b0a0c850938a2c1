// Unit tests of the repositories API module (Spark dependencies, code artifacts).
import { createApiClient } from "../../../src/wfo/ui/src/api/client";
import { codeArtifactsApi, sparkDependenciesApi } from "../../../src/wfo/ui/src/api/repositories";
import { jsonResponse, stubFetch } from "./fetchStub";

function setup(responses: Response[]) {
  const { calls, fetchStub, location } = stubFetch(responses);
  const http = createApiClient({ basePath: "/airflow/", fetch: fetchStub, location });
  return { artifacts: codeArtifactsApi(http), calls, deps: sparkDependenciesApi(http) };
}

describe("spark dependencies api", () => {
  it("uploads several files in one multipart request and deletes by name", async () => {
    const { calls, deps } = setup([jsonResponse(200, { files: [{ kind: "jar", name: "a.jar" }] }), jsonResponse(409, { detail: "a.jar is used by the config group(s) prod" })]);

    const listed = await deps.upload([new File(["PK"], "a.jar"), new File(["x=1"], "b.py")]);
    expect(listed.files[0]!.name).toBe("a.jar");
    expect(calls[0]!.url).toBe("/airflow/wfo/api/v1/spark-dependencies");
    expect(calls[0]!.init.headers).not.toHaveProperty("Content-Type");
    expect((calls[0]!.init.body as FormData).getAll("files").map((file) => (file as File).name)).toEqual(["a.jar", "b.py"]);

    await expect(deps.remove("a.jar")).rejects.toMatchObject({ message: "a.jar is used by the config group(s) prod", status: 409 });
    expect(`${calls[1]!.init.method} ${calls[1]!.url}`).toBe("DELETE /airflow/wfo/api/v1/spark-dependencies/a.jar");
    expect(deps.downloadUrl("a b.jar")).toBe("/airflow/wfo/api/v1/spark-dependencies/a%20b.jar/download");
  });
});

describe("code artifacts api", () => {
  it("searches with ?q= only when there is a query", async () => {
    const { artifacts, calls } = setup([jsonResponse(200, { artifacts: [] }), jsonResponse(200, { artifacts: [] })]);
    await artifacts.list("");
    await artifacts.list("spark");
    expect(calls.map((call) => call.url)).toEqual(["/airflow/wfo/api/v1/code-artifacts", "/airflow/wfo/api/v1/code-artifacts?q=spark"]);
  });

  it("reads a version's content, restores one as JSON and links downloads per version", async () => {
    const { artifacts, calls } = setup([
      jsonResponse(200, { name: "x.py", text: "print(1)\n", version: 2 }),
      jsonResponse(200, { name: "x.py", unchanged: false, version: 3 }),
      jsonResponse(415, { detail: "x.jar is not a text file" }),
    ]);

    expect((await artifacts.content("x.py", 2)).text).toBe("print(1)\n");
    expect(calls[0]!.url).toBe("/airflow/wfo/api/v1/code-artifacts/x.py/content?version=2");

    await artifacts.restore("x.py", 1);
    expect(`${calls[1]!.init.method} ${calls[1]!.url}`).toBe("POST /airflow/wfo/api/v1/code-artifacts/x.py/restore");
    expect(JSON.parse(String(calls[1]!.init.body))).toEqual({ version: 1 });

    await expect(artifacts.content("x.jar", 1)).rejects.toMatchObject({ status: 415 });

    expect(artifacts.downloadUrl("x.py")).toBe("/airflow/wfo/api/v1/code-artifacts/x.py/download");
    expect(artifacts.downloadUrl("x.py", 2)).toBe("/airflow/wfo/api/v1/code-artifacts/x.py/download?version=2");
  });
});
