// Unit tests of the wfo UI's API client (run by vitest from src/wfo/ui: `npm test`).
import { createApiClient, formatDetail } from "../../../src/wfo/ui/src/api/client";
import { jsonResponse, stubFetch } from "./fetchStub";

function setup(responses: Response[], basePath = "/") {
  const { calls, fetchStub, location, replaced } = stubFetch(responses, {
    hash: "#top",
    pathname: `${basePath}plugin/wfo/audit`,
    search: "?user=alice",
  });
  const client = createApiClient({ basePath, fetch: fetchStub, location });
  return { calls, client, replaced };
}

describe("api client", () => {
  it("sends same-origin GETs with only the filters that are set", async () => {
    const { calls, client } = setup([jsonResponse(200, { events: [], total: 0 })]);

    const page = await client.listAuditEvents({ action: "", limit: 50, offset: 0, since: "2026-01-01T00:00:00.000Z", user: "alice" });

    expect(page).toEqual({ events: [], total: 0 });
    expect(calls).toHaveLength(1);
    const url = new URL(calls[0]!.url, "http://host");
    expect(url.pathname).toBe("/wfo/api/v1/audit/events");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      limit: "50",
      offset: "0",
      since: "2026-01-01T00:00:00.000Z",
      user: "alice",
    });
    expect(calls[0]!.init.credentials).toBe("same-origin");
    expect(calls[0]!.init.method).toBe("GET");
    expect(calls[0]!.init.headers).not.toHaveProperty("Content-Type");
  });

  it("puts JSON for writes, under Airflow's base path", async () => {
    const saved = { updated_at: "2026-01-01T00:00:00Z", updated_by: "admin", url: "https://bi.example.com/d/1" };
    const { calls, client } = setup([jsonResponse(200, saved)], "/airflow/");

    expect(await client.setVisualisationsUrl("https://bi.example.com/d/1")).toEqual(saved);

    expect(calls[0]!.url).toBe("/airflow/wfo/api/v1/visualisations");
    expect(calls[0]!.init.method).toBe("PUT");
    expect(calls[0]!.init.headers).toMatchObject({ "Content-Type": "application/json" });
    expect(JSON.parse(String(calls[0]!.init.body))).toEqual({ url: "https://bi.example.com/d/1" });
  });

  it("clears the link with an explicit null", async () => {
    const { calls, client } = setup([jsonResponse(200, { updated_at: null, updated_by: "admin", url: null })]);
    await client.setVisualisationsUrl(null);
    expect(JSON.parse(String(calls[0]!.init.body))).toEqual({ url: null });
  });

  it("redirects to the login page once on 401, keeping where the user was", async () => {
    const { client, replaced } = setup([jsonResponse(401, { detail: "Not authenticated" }), jsonResponse(401, {})]);

    await expect(client.getMe()).rejects.toMatchObject({ status: 401 });
    await expect(client.getVisualisations()).rejects.toMatchObject({ status: 401 });

    expect(replaced).toHaveLength(1);
    const target = new URL(replaced[0]!, "http://host");
    expect(target.pathname).toBe("/auth/login/");
    expect(target.searchParams.get("next")).toBe("/plugin/wfo/audit?user=alice#top");
  });

  it("turns a FastAPI validation error into a readable message", async () => {
    const detail = [{ loc: ["body", "url"], msg: "URL scheme should be 'http' or 'https'", type: "url_scheme" }];
    const { client } = setup([jsonResponse(422, { detail })]);

    await expect(client.setVisualisationsUrl("ftp://x")).rejects.toMatchObject({
      message: "URL scheme should be 'http' or 'https'",
      status: 422,
    });
  });

  it("falls back to the status line when the error body is not JSON", async () => {
    const { client } = setup([new Response("<html>bad gateway</html>", { status: 502, statusText: "Bad Gateway" })]);
    await expect(client.listAuditActions()).rejects.toMatchObject({ message: "Request failed: 502 Bad Gateway", status: 502 });
  });
});

describe("formatDetail", () => {
  it("keeps strings and joins validation messages", () => {
    expect(formatDetail("`since` is after `until`")).toBe("`since` is after `until`");
    expect(formatDetail([{ msg: "a" }, { msg: "b" }])).toBe("a; b");
    expect(formatDetail({ unexpected: true })).toBeNull();
  });
});
