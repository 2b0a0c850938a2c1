// Unit tests of the wfo UI's time conversions and URL checks (run by vitest from src/wfo/ui).
import { formatTime, isoToLocalInput, localInputToIso, parseApiTime } from "../../../src/wfo/ui/src/time";
import { validateDashboardUrl } from "../../../src/wfo/ui/src/urls";

describe("time", () => {
  it("reads API timestamps without an offset as UTC", () => {
    expect(parseApiTime("2026-03-01T12:00:00").toISOString()).toBe("2026-03-01T12:00:00.000Z");
    expect(parseApiTime("2026-03-01T12:00:00+02:00").toISOString()).toBe("2026-03-01T10:00:00.000Z");
  });

  it("round-trips a datetime-local value through ISO UTC", () => {
    const iso = localInputToIso("2026-03-01T09:30");
    expect(iso).toMatch(/Z$/u);
    expect(isoToLocalInput(iso)).toBe("2026-03-01T09:30");
    expect(localInputToIso("")).toBe("");
  });

  it("formats timestamps for display and leaves garbage visible", () => {
    expect(formatTime(null)).toBe("");
    expect(formatTime("not a date")).toBe("not a date");
    expect(formatTime("2026-03-01T12:00:00Z")).toMatch(/^2026-03-0[12] \d{2}:\d{2}:00$/u);
  });
});

describe("validateDashboardUrl", () => {
  it("accepts http and https only", () => {
    expect(validateDashboardUrl("https://bi.example.com/d/1")).toBeNull();
    expect(validateDashboardUrl("http://superset:8088/")).toBeNull();
    expect(validateDashboardUrl("javascript:alert(1)")).toMatch(/http/u);
    expect(validateDashboardUrl("bi.example.com")).toMatch(/full address/u);
  });
});
