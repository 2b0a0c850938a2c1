// Unit tests of the DAG files area: API paths and bodies, refused saves, and the editor's text logic.
import { createApiClient } from "../../../src/wfo/ui/src/api/client";
import { codeBricksApi, parseTags } from "../../../src/wfo/ui/src/api/codeBricks";
import {
  dagFilesApi,
  dagIdFor,
  filePath,
  newDagTemplate,
  normaliseNewName,
  uploadReportOf,
} from "../../../src/wfo/ui/src/api/dagFiles";
import { diagnosticsFor } from "../../../src/wfo/ui/src/pages/dagFiles/codemirror";
import {
  brickInsertion,
  diffLines,
  diffStat,
  problemLabel,
  problemRange,
  refusalMessage,
  saveRefusal,
} from "../../../src/wfo/ui/src/pages/dagFiles/editorLogic";
import { jsonResponse, stubFetch } from "./fetchStub";

function setup(responses: Response[]) {
  const { calls, fetchStub, location, replaced } = stubFetch(responses, { pathname: "/plugin/wfo/dag-files" });
  const http = createApiClient({ basePath: "/airflow/", fetch: fetchStub, location });
  return { bricks: codeBricksApi(http), calls, files: dagFilesApi(http, fetchStub), replaced };
}

const validation = { dag_ids: [], errors: [{ column: 5, kind: "syntax", line: 3, message: "invalid syntax" }], ok: false, seconds: 0.2, warnings: [] };

describe("dag files api", () => {
  it("keeps the slashes of sub-folder names and escapes each part", async () => {
    expect(filePath("team/my etl.py")).toBe("team/my%20etl.py");
    const { calls, files } = setup([
      jsonResponse(200, { revisions: [] }),
      jsonResponse(200, { diff: "", from_content: "", to_content: "" }),
      jsonResponse(200, { commit: "abc", content: "x" }),
    ]);
    await files.history("team/etl.py");
    await files.diff("team/etl.py", "abc", "working");
    await files.revision("team/etl.py", "abc");
    expect(calls.map((call) => call.url)).toEqual([
      "/airflow/wfo/api/v1/dag-files/team/etl.py/history",
      "/airflow/wfo/api/v1/dag-files/team/etl.py/diff?from=abc&to=working",
      "/airflow/wfo/api/v1/dag-files/team/etl.py/revisions/abc",
    ]);
  });

  it("saves with the base revision and deletes against it", async () => {
    const { calls, files } = setup([
      jsonResponse(200, { commit: "c1", name: "a.py", revision: "r2", validation }),
      new Response(null, { status: 204 }),
    ]);
    await files.save("a.py", { base_revision: "r1", content: "x = 1\n", force: false, message: null });
    expect(`${calls[0]!.init.method} ${calls[0]!.url}`).toBe("PUT /airflow/wfo/api/v1/dag-files/a.py");
    expect(JSON.parse(String(calls[0]!.init.body))).toEqual({ base_revision: "r1", content: "x = 1\n", force: false, message: null });
    await files.remove("a.py", "r2");
    expect(`${calls[1]!.init.method} ${calls[1]!.url}`).toBe("DELETE /airflow/wfo/api/v1/dag-files/a.py?base_revision=r2");
  });

  it("returns the upload report, also when nothing was accepted (422 with the report in the body)", async () => {
    const report = { added: [], changed: [], rejected: [{ name: "old.py", reason: "legacy", upgrade: null, validation: null }], unchanged: [] };
    const { calls, files } = setup([
      jsonResponse(200, { added: ["a.py"], changed: [], rejected: [], unchanged: [] }),
      jsonResponse(422, { detail: "nothing imported", ...report }),
      jsonResponse(413, { detail: "the upload is too large" }),
    ]);
    expect((await files.upload([new File(["x=1"], "a.py")], { message: "m" })).added).toEqual(["a.py"]);
    const form = calls[0]!.init.body as FormData;
    expect(form.getAll("files").map((file) => (file as File).name)).toEqual(["a.py"]);
    expect(form.get("message")).toBe("m");
    expect(form.get("force")).toBeNull();
    expect(calls[0]!.url).toBe("/airflow/wfo/api/v1/dag-files");
    expect((await files.upload([new File(["x"], "old.py")])).rejected[0]!.reason).toBe("legacy");
    await expect(files.upload([new File(["x"], "big.py")])).rejects.toMatchObject({ message: "the upload is too large", status: 413 });
    expect(uploadReportOf({ detail: report })?.rejected).toHaveLength(1);
    expect(uploadReportOf({ detail: "no" })).toBeNull();
  });

  it("sends the user to the login page when the session ended during an upload", async () => {
    const { files, replaced } = setup([new Response("", { status: 401 }), new Response("", { status: 401 })]);
    await expect(files.upload([new File(["x"], "a.py")])).rejects.toMatchObject({ status: 401 });
    expect(replaced).toEqual(["/airflow/auth/login/?next=%2Fplugin%2Fwfo%2Fdag-files"]);
  });

  it("tells a conflict, a validation refusal and other errors apart", async () => {
    const conflict = { current_author: "bob", current_content: "theirs\n", current_revision: "r9", current_time: "2026-01-01T00:00:00Z", message: "changed meanwhile" };
    const { files } = setup([
      jsonResponse(409, { detail: conflict }),
      jsonResponse(422, { detail: { message: "the file does not validate", upgrade: null, validation } }),
      jsonResponse(400, { detail: "names end in .py" }),
    ]);
    const request = { base_revision: "r1", content: "mine\n" };
    const first = saveRefusal(await files.save("a.py", request).catch((error: unknown) => error));
    expect(first).toEqual({ conflict, kind: "conflict" });
    expect(refusalMessage(first)).toContain("bob");
    const second = saveRefusal(await files.save("a.py", request).catch((error: unknown) => error));
    expect(second.kind).toBe("invalid");
    expect(refusalMessage(second)).toBe("the file does not validate: line 3, column 5: invalid syntax");
    const third = saveRefusal(await files.save("a b", request).catch((error: unknown) => error));
    expect(third).toEqual({ kind: "other", message: "names end in .py" });
  });
});

describe("new DAG names", () => {
  it("adds .py, allows folders and refuses what the server would", () => {
    expect(normaliseNewName(" etl ")).toEqual({ name: "etl.py" });
    expect(normaliseNewName("team/etl.py")).toEqual({ name: "team/etl.py" });
    expect(normaliseNewName("")).toHaveProperty("problem");
    expect(normaliseNewName("../etc/passwd")).toHaveProperty("problem");
    expect(normaliseNewName("/abs.py")).toHaveProperty("problem");
    expect(normaliseNewName(".hidden.py")).toHaveProperty("problem");
    expect(normaliseNewName("my dag.py")).toHaveProperty("problem");
  });

  it("starts a new file with a DAG named after it that code bricks can use", () => {
    expect(dagIdFor("team/my-etl.py")).toBe("my_etl");
    const template = newDagTemplate("team/my-etl.py");
    expect(template).toContain('dag_id="my_etl"');
    expect(template).toMatch(/^dag = DAG\(/mu);
    expect(template).toMatch(/^appName = /mu);
  });
});

describe("problems in the editor", () => {
  const text = "import os\n\ndef f(:\n    pass\n";

  it("marks from the column to the end of the line, or the whole line", () => {
    expect(problemRange(text, { column: 7, line: 3 })).toEqual({ from: 17, to: 18 });
    expect(text.slice(17, 18)).toBe(":");
    expect(problemRange(text, { column: null, line: 1 })).toEqual({ from: 0, to: 9 });
    expect(problemRange(text, { column: null, line: null })).toBeNull();
    // Past the end (EOF errors) marks the last line; a column past the end stays on the line.
    expect(problemRange(text, { column: 1, line: 99 })).toEqual({ from: text.length, to: text.length });
    expect(problemRange(text, { column: 80, line: 1 })).toEqual({ from: 9, to: 9 });
  });

  it("turns errors and warnings into sorted CodeMirror diagnostics", () => {
    const diagnostics = diagnosticsFor(
      text,
      [{ column: 7, kind: "syntax", line: 3, message: "invalid syntax" }],
      [
        { column: null, kind: "legacy", line: 1, message: "old import" },
        { column: null, kind: "other", line: null, message: "no line" },
      ],
    );
    expect(diagnostics.map((d) => [d.severity, d.from, d.message])).toEqual([
      ["warning", 0, "old import"],
      ["error", 17, "invalid syntax"],
    ]);
    expect(problemLabel({ column: null, kind: "other", line: 4, message: "m" })).toBe("line 4: m");
  });
});

describe("inserting a code brick", () => {
  const apply = (text: string, cursor: number, code: string) => {
    const { from, insert, cursor: after } = brickInsertion(text, cursor, code);
    return { after, text: text.slice(0, from) + insert + text.slice(from) };
  };

  it("goes on its own lines, separated by blank lines, whatever the cursor's column", () => {
    const text = "dag = DAG('x')\nother = 1\n";
    expect(apply(text, 3, "t = Task()\n").text).toBe("dag = DAG('x')\n\nt = Task()\n\nother = 1\n");
    expect(apply("a = 1", 5, "b = 2").text).toBe("a = 1\n\nb = 2\n");
    expect(apply("", 0, "b = 2\n\n").text).toBe("b = 2\n");
  });

  it("takes the place of a blank line and leaves the cursor after the brick", () => {
    const text = "a = 1\n\n\nz = 9\n";
    const { text: result, after } = apply(text, 7, "b = 2");
    expect(result).toBe("a = 1\n\nb = 2\n\nz = 9\n");
    expect(result.slice(0, after)).toBe("a = 1\n\nb = 2");
  });
});

describe("diffs", () => {
  it("classifies unified diff lines and counts changes", () => {
    const diff = "--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,2 @@\n-old\n+new\n same\n";
    expect(diffLines(diff).map((line) => line.kind)).toEqual(["header", "header", "hunk", "remove", "add", "context"]);
    expect(diffStat(diff)).toEqual({ added: 1, removed: 1 });
    expect(diffLines("")).toEqual([]);
  });
});

describe("code bricks", () => {
  it("parses tags and searches, creates, updates and deletes by id", async () => {
    expect(parseTags(" spark, jar ,, spark ")).toEqual(["spark", "jar"]);
    const brick = { code: "x = 1\n", description: "", tags: [], title: "t" };
    const { bricks, calls } = setup([
      jsonResponse(200, { bricks: [] }),
      jsonResponse(201, { ...brick, id: 4 }),
      jsonResponse(200, { ...brick, id: 4 }),
      new Response(null, { status: 204 }),
    ]);
    await bricks.list("spark pi");
    await bricks.create(brick);
    await bricks.update(4, brick);
    await bricks.remove(4);
    expect(calls.map((call) => `${call.init.method} ${call.url}`)).toEqual([
      "GET /airflow/wfo/api/v1/code-bricks?q=spark+pi",
      "POST /airflow/wfo/api/v1/code-bricks",
      "PUT /airflow/wfo/api/v1/code-bricks/4",
      "DELETE /airflow/wfo/api/v1/code-bricks/4",
    ]);
  });
});
