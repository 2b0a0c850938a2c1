// The file types the upload areas show: the server's lists, sorted and spelled as the docs write them.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

import {
  CODE_ARTIFACT_TYPES,
  SPARK_DEPENDENCY_TYPES,
  displayExtensions,
  fileType,
} from "../../../src/wfo/ui/src/pages/uploadExtensions";

/** The `EXTENSIONS = (...)` tuple of one of the server's repository modules. */
function serverExtensions(module: string): string[] {
  const source = readFileSync(resolve(import.meta.dirname, `../../../src/wfo/repositories/${module}.py`), "utf8");
  const tuple = /^EXTENSIONS = \(([^)]*)\)/mu.exec(source);
  expect(tuple, `EXTENSIONS in ${module}.py`).not.toBeNull();
  return [...tuple![1]!.matchAll(/"([^"]+)"/gu)].map((match) => match[1]!);
}

describe("upload extensions", () => {
  it("are the server's lists, in the sorted order its refusals use", () => {
    expect(CODE_ARTIFACT_TYPES).toEqual(displayExtensions(serverExtensions("code_artifacts")));
    expect(SPARK_DEPENDENCY_TYPES).toEqual(displayExtensions(serverExtensions("spark_dependencies")));
    expect(SPARK_DEPENDENCY_TYPES).toEqual([".egg", ".jar", ".py", ".zip"]);
  });

  it("sort case-insensitively and keep the docs' spelling", () => {
    expect(displayExtensions([".sh", ".R", ".py", ".csv"])).toEqual([".csv", ".py", ".R", ".sh"]);
    expect(CODE_ARTIFACT_TYPES).toContain(".R");
    expect(CODE_ARTIFACT_TYPES).not.toContain(".r");
  });

  it("name a file's type by how its name ends", () => {
    expect(fileType("job.py")).toBe(".py");
    expect(fileType("model.R")).toBe(".R");
    expect(fileType("lib-1.0.tar.jar")).toBe(".jar");
    expect(fileType("Makefile")).toBe("");
    expect(fileType(".hidden")).toBe("");
  });
});
