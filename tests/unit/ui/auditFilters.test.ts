// The audit log's action filter: logins and logouts are one choice, bookmarked filters stay selectable.
import { actionOptions, LOGINS_FILTER } from "../../../src/wfo/ui/src/pages/auditFilters";

describe("audit action filter", () => {
  it("offers logins and logouts first, then every recorded action", () => {
    const options = actionOptions(["config_group.create", "session.login", "session.logout"], "");
    expect(options.map((option) => option.value)).toEqual([
      LOGINS_FILTER,
      "config_group.create",
      "session.login",
      "session.logout",
    ]);
    expect(options[0]?.label).toBe("Logins and logouts");
  });

  it("keeps a filter from a bookmarked URL even when nothing recorded it yet", () => {
    expect(actionOptions(["a.b"], "x.y").map((option) => option.value)).toEqual(["x.y", LOGINS_FILTER, "a.b"]);
    expect(actionOptions(["a.b"], LOGINS_FILTER)).toHaveLength(2);
  });
});
