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
import { copiedMessage, dagExamplesApi } from "../../../src/wfo/ui/src/api/dagExamples";
import { diagnosticsFor } from "../../../src/wfo/ui/src/pages/dagFiles/codemirror";
import {
  brickInsertion,
  changeBetween,
  countOf,
  diffLines,
  diffStat,
  logicalLines,
  mergeBrick,
  problemLabel,
  problemRange,
  refusalMessage,
  saveRefusal,
} from "../../../src/wfo/ui/src/pages/dagFiles/editorLogic";
import {
  defaultMessage,
  docOf,
  editorReducer,
  editorStatus,
  initialEditorState,
  isDirty,
  mustWarnOnLeave,
  type EditorEvent,
  type EditorState,
} from "../../../src/wfo/ui/src/pages/dagFiles/editorState";
import { jsonResponse, stubFetch } from "./fetchStub";

function setup(responses: Response[]) {
  const { calls, fetchStub, location, replaced } = stubFetch(responses, { pathname: "/plugin/wfo/dag-files" });
  const http = createApiClient({ basePath: "/airflow/", fetch: fetchStub, location });
  return { bricks: codeBricksApi(http), calls, examples: dagExamplesApi(http), files: dagFilesApi(http, fetchStub), replaced };
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

describe("brick imports", () => {
  const template = 'from datetime import datetime\n\nfrom airflow.sdk import DAG\n\nappName = "x"\n\ndag = DAG(dag_id="x")\n';

  it("reads statements across brackets, strings and backslashes", () => {
    const text = 'x = (1,\n     2)\ns = """\nfrom a import b\n"""\ny = 1 + \\\n    2\n# note\n\n';
    expect(logicalLines(text).map((line) => [line.kind, line.text.split("\n")[0]])).toEqual([
      ["code", "x = (1,"],
      ["code", 's = """'],
      ["code", "y = 1 + \\"],
      ["comment", "# note"],
      ["blank", ""],
    ]);
  });

  it("puts new imports after the last import at the top and the rest at the cursor", () => {
    const brick = "from airflow.providers.standard.operators.bash import BashOperator\n\nhello = BashOperator(task_id='hello', dag=dag)\n";
    const { text, cursor } = mergeBrick(template, template.length, brick);
    expect(text).toBe(
      "from datetime import datetime\n\nfrom airflow.sdk import DAG\nfrom airflow.providers.standard.operators.bash import BashOperator\n\n" +
        'appName = "x"\n\ndag = DAG(dag_id="x")\n\nhello = BashOperator(task_id=\'hello\', dag=dag)\n',
    );
    expect(text.slice(0, cursor).endsWith("dag=dag)")).toBe(true);
    // The same brick again: nothing imported twice, only the body is added.
    const again = mergeBrick(text, text.length, brick).text;
    expect(again.match(/import BashOperator/gu)).toHaveLength(1);
    expect(again.match(/hello = BashOperator/gu)).toHaveLength(2);
  });

  it("adds names to an existing plain import line of the same module, never twice", () => {
    const brick = "from airflow.sdk import DAG, task\nimport os\nimport os\n\n@task\ndef f():\n    return os.getcwd()\n";
    const { text } = mergeBrick(template, template.length, brick);
    expect(text).toContain("from airflow.sdk import DAG, task\nimport os\n\nappName");
    expect(text.match(/import os/gu)).toHaveLength(1);
    expect(text.endsWith("@task\ndef f():\n    return os.getcwd()\n")).toBe(true);
  });

  it("leaves a bracketed import as it is and adds a line after it", () => {
    const text = "from wfo.operators import (\n    SparkOperator,  # jar jobs\n)\n\nx = 1\n";
    const merged = mergeBrick(text, text.length, "from wfo.operators import SparkOperator, PySparkOperator\n\ny = 2\n").text;
    expect(merged).toBe("from wfo.operators import (\n    SparkOperator,  # jar jobs\n)\nfrom wfo.operators import PySparkOperator\n\nx = 1\n\ny = 2\n");
  });

  it("imports after the docstring, or at the top, when the file has none", () => {
    const documented = '"""My DAG.\n\nfrom the manual\n"""\n\nx = 1\n';
    expect(mergeBrick(documented, documented.length, "import os\n\ny = os.sep\n").text).toBe(
      '"""My DAG.\n\nfrom the manual\n"""\n\nimport os\n\nx = 1\n\ny = os.sep\n',
    );
    expect(mergeBrick("# licence\nx = 1\n", 0, "import os\n").text).toBe("# licence\nimport os\n\nx = 1\n");
    expect(mergeBrick("", 0, "import os\n\ny = 1\n").text).toBe("import os\n\ny = 1\n");
  });

  it("keeps working on a file that does not parse, and keeps the brick's comments", () => {
    const broken = "import os\n\nx = (1,\n";
    const merged = mergeBrick(broken, 0, "# the brick\nimport sys\n\nz = sys.argv\n").text;
    expect(merged.startsWith("import os\nimport sys\n")).toBe(true);
    expect(merged).toContain("# the brick\nz = sys.argv");
  });

  it("edits the editor with one change covering what differs", () => {
    expect(changeBetween("abcdef", "abXYef")).toEqual({ from: 2, insert: "XY", to: 4 });
    expect(changeBetween("abc", "abc")).toEqual({ from: 3, insert: "", to: 3 });
    expect(changeBetween("aa", "aaa")).toEqual({ from: 2, insert: "a", to: 2 });
  });
});

describe("wording", () => {
  it("counts in the singular and the plural", () => {
    expect(countOf(1, "error")).toBe("1 error");
    expect(countOf(2, "error")).toBe("2 errors");
    expect(countOf(0, "warning")).toBe("0 warnings");
  });
});

describe("dag examples api", () => {
  it("lists, reads and copies examples under their own path", async () => {
    const copied = { commit: "c1", example: "example_spark_pi.py", name: "pi.py", renamed: { ExampleSparkPi: "pi" }, revision: "r1", validation };
    const { calls, examples } = setup([jsonResponse(200, { examples: [] }), jsonResponse(200, {}), jsonResponse(201, copied)]);
    await examples.list("spark");
    await examples.get("example_spark_pi.py");
    expect(copiedMessage(await examples.copy("example_spark_pi.py", { target: "pi.py" }))).toBe(
      "Copied the example example_spark_pi.py to pi.py; its DAG is pi.",
    );
    expect(calls.map((call) => `${call.init.method} ${call.url}`)).toEqual([
      "GET /airflow/wfo/api/v1/dag-examples?q=spark",
      "GET /airflow/wfo/api/v1/dag-examples/example_spark_pi.py",
      "POST /airflow/wfo/api/v1/dag-examples/example_spark_pi.py/copy",
    ]);
    expect(JSON.parse(String(calls[2]!.init.body))).toEqual({ target: "pi.py" });
  });
});

describe("the editor's states", () => {
  const ok = { code_artifacts: [], dag_ids: ["etl"], errors: [], ok: true, seconds: 0.1, warnings: [] };
  const file = { content: "x = 1\n", dag_ids: ["etl"], error: null, legacy: false, modified: "2026-01-01T00:00:00Z", name: "etl.py", revision: "r1", size: 6, state: "ok" as const };
  const run = (events: EditorEvent[], from: EditorState = initialEditorState) => events.reduce(editorReducer, from);

  it("loads a file clean, gets dirty when edited and clean again when the text is back", () => {
    const loaded = run([{ file, type: "fileLoaded" }]);
    expect(editorStatus(loaded, true)).toBe("clean");
    expect(editorStatus(loaded, false)).toBe("read-only");
    const edited = run([{ text: "x = 2\n", type: "edited" }], loaded);
    expect(editorStatus(edited, true)).toBe("dirty");
    expect(mustWarnOnLeave(edited)).toBe(true);
    expect(isDirty(run([{ text: "x = 1\n", type: "edited" }], edited))).toBe(false);
  });

  it("starts a new file from its template without loading it, and reviews it even unchanged", () => {
    const created = run([{ name: "new.py", template: "T\n", type: "newFile" }]);
    expect(editorStatus(created, true)).toBe("clean");
    expect(mustWarnOnLeave(created)).toBe(false);
    const reviewing = run([{ type: "reviewOpened" }], created);
    expect(reviewing.phase).toBe("reviewing");
    expect(defaultMessage(docOf(reviewing)!)).toBe("Create new.py");
    expect(defaultMessage(docOf(run([{ file, type: "fileLoaded" }]))!)).toBe("Save etl.py");
  });

  it("checks, reviews, saves, and is clean after the save", () => {
    const states = [
      run([{ file, type: "fileLoaded" }, { text: "x = 2\n", type: "edited" }]),
    ];
    const push = (event: EditorEvent) => states.push(editorReducer(states[states.length - 1]!, event));
    push({ type: "checkStarted" });
    expect(editorStatus(states.at(-1)!, true)).toBe("checking");
    push({ result: { upgrade: null, validation: ok }, text: "x = 2\n", type: "checked" });
    expect(docOf(states.at(-1)!)?.validation).toEqual(ok);
    push({ type: "reviewOpened" });
    push({ message: "why", type: "messageEdited" });
    push({ force: false, type: "saveStarted" });
    expect(editorStatus(states.at(-1)!, true)).toBe("saving");
    expect(mustWarnOnLeave(states.at(-1)!)).toBe(true);
    // Edits are ignored while saving (the editor is not on screen).
    push({ text: "sneaky", type: "edited" });
    push({ result: { commit: "c2", name: "etl.py", revision: "r2", validation: ok }, type: "saved" });
    const saved = states.at(-1)!;
    expect(editorStatus(saved, true)).toBe("clean");
    expect(docOf(saved)).toMatchObject({ base: { content: "x = 2\n", revision: "r2" }, message: "", text: "x = 2\n" });
    // Nothing changed since the save: no review.
    expect(run([{ type: "reviewOpened" }], saved).phase).toBe("editing");
  });

  it("answers a refused save: invalid (save anyway), conflict (theirs or mine)", () => {
    const reviewing = run([{ file, type: "fileLoaded" }, { text: "mine\n", type: "edited" }, { type: "reviewOpened" }]);
    const invalid = { invalid: { message: "does not validate", upgrade: null, validation: { ...ok, errors: [{ column: null, kind: "syntax" as const, line: 1, message: "bad" }], ok: false } }, kind: "invalid" as const };
    const refused = run([{ force: false, type: "saveStarted" }, { refusal: invalid, type: "saveRefused" }], reviewing);
    expect(refused).toMatchObject({ phase: "reviewing", refusal: invalid });
    expect(docOf(refused)?.validation?.ok).toBe(false);
    expect(run([{ force: true, type: "saveStarted" }], refused)).toMatchObject({ force: true, phase: "saving", refusal: invalid });

    const conflict = { current_author: "bob", current_content: "theirs\n", current_revision: "r9", current_time: null, message: "changed" };
    const clash = run([{ force: false, type: "saveStarted" }, { refusal: { conflict, kind: "conflict" }, type: "saveRefused" }], reviewing);
    expect(editorStatus(clash, true)).toBe("conflict");
    const theirs = run([{ type: "theirsTaken" }], clash);
    expect(theirs.phase).toBe("editing");
    expect(docOf(theirs)).toMatchObject({ base: { content: "theirs\n", revision: "r9" }, text: "theirs\n" });
    expect(isDirty(theirs)).toBe(false);
    const mine = run([{ type: "mineKept" }], clash);
    expect(mine).toMatchObject({ phase: "reviewing", refusal: null });
    expect(docOf(mine)).toMatchObject({ base: { content: "theirs\n", revision: "r9" }, text: "mine\n" });
  });

  it("keeps an example read-only and a failed load retryable", () => {
    const example = { ...file, content: "DAG()\n", description: "d", name: "example_x.py" };
    const shown = run([{ example, type: "exampleLoaded" }]);
    expect(editorStatus(shown, true)).toBe("read-only");
    const tried = run([{ text: "changed", type: "edited" }, { type: "reviewOpened" }, { type: "checkStarted" }], shown);
    expect(tried).toEqual(shown);
    expect(mustWarnOnLeave(tried)).toBe(false);

    const failed = run([{ error: new Error("offline"), type: "loadFailed" }]);
    expect(editorStatus(failed, true)).toBe("failed");
    expect(run([{ type: "retried" }], failed)).toEqual(initialEditorState);
  });

  it("accepts a proposed upgrade as the new text", () => {
    const upgrade = { changed: true, diff: "-a\n+b\n", issues: [], source: "b\n" };
    const legacy = run([{ file: { ...file, content: "a\n", legacy: true }, type: "fileLoaded" }, { from: "a\n", type: "upgradeProposed", upgrade }]);
    expect(docOf(legacy)?.upgrade).toEqual({ from: "a\n", result: upgrade });
    const accepted = run([{ type: "upgradeAccepted" }], legacy);
    expect(docOf(accepted)).toMatchObject({ text: "b\n", upgrade: null, validation: null });
    expect(editorStatus(accepted, true)).toBe("dirty");
  });
});
