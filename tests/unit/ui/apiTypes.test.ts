// The API types come from the server's OpenAPI schema (src/wfo/ui/src/api/schema.gen.ts): answers have
// every field, request bodies may leave out what the server defaults, and the select lists name every
// value the server takes. These are compile-time checks (`npm run typecheck`); vitest runs them as no-ops.
import type { ConflictDetail, SaveRequest, UploadReport, ValidationResult } from "../../../src/wfo/ui/src/api/dagFiles";
import { DASK_MODES, LIVY_AUTH, type DaskMode, type LivyAuth, type RuntimeConfig, type RuntimeUpdate } from "../../../src/wfo/ui/src/api/configGroups";
import { everyMember, type Answer, type AuditFilter } from "../../../src/wfo/ui/src/api/types";

describe("generated API types", () => {
  it("types an answer with every field, fields the server defaults included", () => {
    expectTypeOf<ValidationResult["dag_ids"]>().toEqualTypeOf<string[]>();
    expectTypeOf<UploadReport["rejected"][number]["validation"]>().toEqualTypeOf<ValidationResult | null>();
    expectTypeOf<RuntimeConfig["dask"]["yarn"]["environment"]>().toEqualTypeOf<string | null>();
    expectTypeOf<Answer<{ a?: number[] | null; b: unknown }>>().toEqualTypeOf<{ a: number[] | null; b: unknown }>();
  });

  it("lets a request body leave out what the server defaults", () => {
    expectTypeOf<{ base_revision: null; content: string }>().toExtend<SaveRequest>();
    expectTypeOf<{ python_environments: Record<string, string> }>().toExtend<RuntimeUpdate>();
    expectTypeOf<AuditFilter>().toEqualTypeOf<{
      user?: string;
      action?: string;
      since?: string;
      until?: string;
      offset?: number;
      limit?: number;
    }>();
  });

  it("keeps error details the schema does not describe by hand", () => {
    expectTypeOf<ConflictDetail["current_revision"]>().toEqualTypeOf<string | null>();
  });

  it("lists every value of a server enum in the selects", () => {
    expect([...DASK_MODES].sort()).toEqual<DaskMode[]>(["local", "scheduler", "yarn"]);
    expect([...LIVY_AUTH].sort()).toEqual<LivyAuth[]>(["Basic_Access", "Kerberos", "None"]);
    // @ts-expect-error -- "yarn" is missing: a mode the server takes would have no option.
    everyMember<DaskMode>()(["local", "scheduler"]);
    // @ts-expect-error -- "k8s" is not a mode the server takes.
    everyMember<DaskMode>()(["local", "scheduler", "yarn", "k8s"]);
  });
});
