// Server refusals placed next to the row they name.
import { ApiError } from "../../../src/wfo/ui/src/api/client";
import { keyedErrors, mentions } from "../../../src/wfo/ui/src/errors";

describe("keyedErrors", () => {
  it("uses a validation error's loc, then the key named in the message", () => {
    const detail = [
      { loc: ["body", "arguments", "driver-memory"], msg: "expected a size like 2g", type: "value_error" },
      { loc: ["body"], msg: "Unknown spark-submit argument 'foo'", type: "value_error" },
      { loc: ["body"], msg: "something else broke", type: "value_error" },
    ];
    const errors = keyedErrors(new ApiError(422, "x", detail), ["driver-memory", "foo", "master"]);
    expect(errors.byKey).toEqual({ "driver-memory": ["expected a size like 2g"], foo: ["Unknown spark-submit argument 'foo'"] });
    expect(errors.general).toEqual(["something else broke"]);
  });

  it("places a nested setting's error by its dotted loc", () => {
    const detail = [
      { loc: ["body", "python", "url"], msg: "'ftp://x' is not an absolute http:// or https:// URL", type: "wfo_setting" },
      { loc: ["body", "python_environments", "tf"], msg: "must be an absolute interpreter path", type: "wfo_setting" },
      { loc: ["body", "dask", "local_workers"], msg: "must be from 1 to 64, not 0", type: "wfo_setting" },
    ];
    const errors = keyedErrors(new ApiError(422, "x", detail), ["python.url", "python.auth", "python_environments", "dask.local_workers"]);
    expect(errors.byKey).toEqual({
      "python.url": ["'ftp://x' is not an absolute http:// or https:// URL"],
      python_environments: ["must be an absolute interpreter path"],
      "dask.local_workers": ["must be from 1 to 64, not 0"],
    });
    expect(errors.general).toEqual([]);
  });

  it("puts a plain string detail under the key it names", () => {
    const errors = keyedErrors(new ApiError(422, "m", "'b.jar' for jars is not in the Spark dependencies repository"), ["jars", "spark.jars"]);
    expect(errors.byKey).toEqual({ jars: ["'b.jar' for jars is not in the Spark dependencies repository"] });
  });

  it("falls back to the message for other errors", () => {
    expect(keyedErrors(new Error("offline"), ["a"])).toEqual({ byKey: {}, general: ["offline"] });
    expect(keyedErrors(new ApiError(403, "Needs the Developer role", "Needs the Developer role"), ["jars"]).general).toEqual([
      "Needs the Developer role",
    ]);
  });
});

describe("mentions", () => {
  it("matches whole keys only", () => {
    expect(mentions("spark.jars.packages is code", "spark.jars")).toBe(false);
    expect(mentions("spark.jars.packages is code", "spark.jars.packages")).toBe(true);
    expect(mentions("set spark.jars.", "spark.jars")).toBe(true);
    expect(mentions("spark.jars is code", "jars")).toBe(false);
    expect(mentions("'jars' must exist", "jars")).toBe(true);
  });
});

describe("keyedErrors with the server's summary", () => {
  it("splits `invalid Spark settings: k: m; k2: m2` per key", () => {
    const detail = "invalid Spark settings: driver-memory: 'lots' is not a size like 512m or 2g; spark.jars.packages: is code; a; b";
    const errors = keyedErrors(new ApiError(422, detail, detail), ["driver-memory", "spark.jars", "spark.jars.packages", "master"]);
    expect(errors.byKey).toEqual({
      "driver-memory": ["'lots' is not a size like 512m or 2g"],
      "spark.jars.packages": ["is code; a; b"],
    });
    expect(errors.general).toEqual([]);
  });

  it("keeps a summary naming a key not on screen as one general message", () => {
    const detail = "invalid Spark settings: foo: is not a spark-submit argument";
    const errors = keyedErrors(new ApiError(422, detail, detail), ["master"]);
    expect(errors.general).toEqual([detail]);
  });
});
