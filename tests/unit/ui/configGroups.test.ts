// Unit tests of the config groups API module: routes, methods and bodies as the contract has them.
import { createApiClient } from "../../../src/wfo/ui/src/api/client";
import { confRule, configGroupsApi, validateGroupName } from "../../../src/wfo/ui/src/api/configGroups";
import { type Call, jsonResponse, stubFetch } from "./fetchStub";

function setup(responses: Response[]) {
  const { calls, fetchStub, location, replaced } = stubFetch(responses, { pathname: "/plugin/wfo/config-groups" });
  return { api: configGroupsApi(createApiClient({ basePath: "/", fetch: fetchStub, location })), calls, replaced };
}

const body = (call: Call | undefined) => JSON.parse(String(call?.init.body));

describe("config groups api", () => {
  it("lists groups with a same-origin GET", async () => {
    const groups = [{ is_default: true, missing_hadoop_files: ["core-site.xml"], name: "default" }];
    const { api, calls } = setup([jsonResponse(200, { groups })]);

    expect((await api.list()).groups).toEqual(groups);
    expect(calls[0]!.url).toBe("/wfo/api/v1/config-groups");
    expect(calls[0]!.init.method).toBe("GET");
    expect(calls[0]!.init.credentials).toBe("same-origin");
  });

  it("creates, clones, renames, sets the default and deletes with the contract's routes", async () => {
    const { api, calls } = setup([
      jsonResponse(201, { name: "c1" }),
      jsonResponse(201, { name: "c2" }),
      jsonResponse(200, { name: "c3" }),
      jsonResponse(200, { name: "c3" }),
      new Response(null, { status: 204 }),
    ]);

    await api.create("c1");
    await api.clone("c1", "c2");
    await api.rename("c2", "c3");
    await api.setDefault("c3");
    expect(await api.remove("c1")).toBeUndefined();

    expect(calls.map((call) => `${call.init.method} ${call.url}`)).toEqual([
      "POST /wfo/api/v1/config-groups",
      "POST /wfo/api/v1/config-groups/c1/clone",
      "PATCH /wfo/api/v1/config-groups/c2",
      "POST /wfo/api/v1/config-groups/c3/default",
      "DELETE /wfo/api/v1/config-groups/c1",
    ]);
    expect(body(calls[0])).toEqual({ name: "c1" });
    expect(body(calls[1])).toEqual({ name: "c2" });
    expect(body(calls[2])).toEqual({ name: "c3" });
    expect(calls[3]!.init.body).toBeUndefined();
    expect(calls[0]!.init.headers).toMatchObject({ "Content-Type": "application/json" });
  });

  it("uploads Hadoop files as multipart under the field `files`, without setting Content-Type", async () => {
    const { api, calls } = setup([jsonResponse(200, { files: [], missing: [] })]);
    const files = [new File(["<configuration/>"], "core-site.xml"), new File(["<configuration/>"], "yarn-site.xml")];

    await api.uploadHadoopFiles("prod", files);

    const call = calls[0]!;
    expect(`${call.init.method} ${call.url}`).toBe("POST /wfo/api/v1/config-groups/prod/hadoop");
    expect(call.init.headers).not.toHaveProperty("Content-Type");
    expect(call.init.credentials).toBe("same-origin");
    const form = call.init.body as FormData;
    expect(form).toBeInstanceOf(FormData);
    expect(form.getAll("files").map((file) => (file as File).name)).toEqual(["core-site.xml", "yarn-site.xml"]);
  });

  it("escapes names in paths and builds download links", async () => {
    const { api, calls } = setup([jsonResponse(200, { name: "a b.xml", properties: [] })]);
    await api.saveHadoopFile("g.1", "a b.xml", [{ name: "fs.defaultFS", value: "hdfs://nn:8020" }]);
    expect(calls[0]!.url).toBe("/wfo/api/v1/config-groups/g.1/hadoop/a%20b.xml");
    expect(calls[0]!.init.method).toBe("PUT");
    expect(body(calls[0])).toEqual({ properties: [{ name: "fs.defaultFS", value: "hdfs://nn:8020" }] });
    expect(api.hadoopFileDownloadUrl("g.1", "core-site.xml")).toBe("/wfo/api/v1/config-groups/g.1/hadoop/core-site.xml/download");
  });

  it("saves Spark, Kerberos and Livy settings as JSON", async () => {
    const { api, calls } = setup([jsonResponse(200, {}), jsonResponse(200, {}), jsonResponse(200, {}), jsonResponse(200, {})]);
    await api.saveSpark("g", { arguments: { jars: ["a.jar"], master: "yarn" }, confs: { "spark.x": "y" }, spark_home: null });
    await api.uploadKerberosFiles("g", [new File(["x"], "krb5.conf"), new File(["k"], "u.keytab")]);
    await api.saveKerberos("g", { keytab: "u.keytab", principal: "u@R" });
    await api.saveLivy("g", {
      python: { auth: "Basic_Access", password: "s", url: "http://l:8998", username: "u" },
      scala: { auth: "None", url: "", username: "" },
    });

    expect(calls.map((call) => `${call.init.method} ${call.url}`)).toEqual([
      "PUT /wfo/api/v1/config-groups/g/spark",
      "POST /wfo/api/v1/config-groups/g/kerberos/files",
      "PUT /wfo/api/v1/config-groups/g/kerberos",
      "PUT /wfo/api/v1/config-groups/g/livy",
    ]);
    expect(body(calls[0])).toEqual({ arguments: { jars: ["a.jar"], master: "yarn" }, confs: { "spark.x": "y" }, spark_home: null });
    expect((calls[1]!.init.body as FormData).getAll("files")).toHaveLength(2);
    expect(body(calls[2])).toEqual({ keytab: "u.keytab", principal: "u@R" });
    // An absent password means "unchanged": it must not be sent as null.
    expect(body(calls[3]).scala).not.toHaveProperty("password");
    expect(body(calls[3]).python.password).toBe("s");
  });

  it("keeps the server's detail on refusals", async () => {
    const detail = [{ loc: ["body", "arguments", "driver-memory"], msg: "driver-memory must be a size like 2g", type: "value_error" }];
    const { api } = setup([jsonResponse(422, { detail }), jsonResponse(409, { detail: "'default' is the default group" })]);

    await expect(api.saveSpark("g", { arguments: {}, confs: {}, spark_home: null })).rejects.toMatchObject({ detail, status: 422 });
    await expect(api.remove("default")).rejects.toMatchObject({ message: "'default' is the default group", status: 409 });
  });

  it("redirects to the login page on 401 from an upload too", async () => {
    const { api, replaced } = setup([jsonResponse(401, { detail: "Not authenticated" })]);
    await expect(api.uploadHadoopFiles("g", [new File(["x"], "core-site.xml")])).rejects.toMatchObject({ status: 401 });
    expect(replaced).toHaveLength(1);
    expect(new URL(replaced[0]!, "http://host").searchParams.get("next")).toBe("/plugin/wfo/config-groups");
  });
});

describe("validateGroupName", () => {
  it("follows the server's rule", () => {
    expect(validateGroupName("prod-yarn_2.1")).toBeNull();
    expect(validateGroupName("")).not.toBeNull();
    expect(validateGroupName("-starts-with-dash")).not.toBeNull();
    expect(validateGroupName("has space")).not.toBeNull();
    expect(validateGroupName("a".repeat(65))).not.toBeNull();
  });
});

describe("confRule", () => {
  // Entries as the server sends them in `tuning_confs` (a sample: the list itself is the server's, and the
  // server's unit tests check that these patterns mean the same in Python and here).
  const codeReason = confRule([
    { description: "", expected: "a size like 512m", key: "spark.executor.memory", kind: "size", pattern: "[0-9]{1,15}([kmgtp]b?|b)?" },
    { description: "", expected: "one of lz4, zstd", key: "spark.io.compression.codec", kind: "choice", pattern: "lz4|zstd" },
    { description: "", expected: "true or false", key: "spark.dynamicAllocation.enabled", kind: "boolean", pattern: "true|false" },
  ]);

  it("accepts listed keys with values inside their rule, whole and ignoring case", () => {
    expect(codeReason("spark.executor.memory", "4g")).toBeNull();
    expect(codeReason(" spark.executor.memory ", " 512M ")).toBeNull();
    expect(codeReason("spark.io.compression.codec", "ZSTD")).toBeNull();
    expect(codeReason("spark.dynamicAllocation.enabled", "True")).toBeNull();
  });

  it("calls values outside the rule code, saying what the rule expects", () => {
    for (const [key, value] of [
      ["spark.executor.memory", "4 GB"],
      ["spark.executor.memory", "4.5g"],
      ["spark.executor.memory", "${env:X}"],
      ["spark.io.compression.codec", "org.example.EvilCodec"],
      ["spark.io.compression.codec", "lz4x"],
      ["spark.dynamicAllocation.enabled", "truex"],
    ] as const) {
      expect(codeReason(key, value), `${key}=${value}`).toEqual({
        expected: expect.any(String) as string,
        kind: "value",
      });
    }
    expect(codeReason("spark.io.compression.codec", "lz4x")).toEqual({ expected: "one of lz4, zstd", kind: "value" });
  });

  it("calls every key off the list code", () => {
    for (const key of ["spark.driver.resource.gpu.discoveryScript", "spark.plugins", "spark.executor.memoryX", "x"]) {
      expect(codeReason(key, "1")).toEqual({ kind: "unlisted" });
    }
    expect(confRule([])("spark.executor.memory", "1g")).toEqual({ kind: "unlisted" });
  });
});
