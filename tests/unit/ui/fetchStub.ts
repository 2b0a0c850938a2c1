// A scripted `fetch` for the API-module tests: answers with the given responses in order and records
// each request; `location` records the redirects the client makes (401 → login).
import type { LocationLike } from "../../../src/wfo/ui/src/api/client";

export interface Call {
  url: string;
  init: RequestInit;
}

export function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { headers: { "Content-Type": "application/json" }, status });
}

export function stubFetch(responses: Response[], location: Partial<LocationLike> = {}) {
  const calls: Call[] = [];
  const replaced: string[] = [];
  const fetchStub = (async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ init: init ?? {}, url: String(input) });
    const next = responses.shift();
    if (next === undefined) {
      throw new Error("unexpected request");
    }
    return next;
  }) as typeof fetch;
  const where: LocationLike = {
    hash: "",
    pathname: "/",
    replace: (url: string) => replaced.push(url),
    search: "",
    ...location,
  };
  return { calls, fetchStub, location: where, replaced };
}
