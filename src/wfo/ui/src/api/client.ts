/**
 * The one HTTP client of the wfo pages: same-origin fetch to `/wfo/api/v1`, typed endpoints,
 * FastAPI error details turned into messages, and a redirect to the login page on 401.
 *
 * Authentication is Airflow's HttpOnly `_token` cookie, which the browser attaches by itself
 * (`credentials: "same-origin"`); this code never reads it. Writes are JSON, and the browser adds
 * the `Origin` header the server's CSRF check compares with its base URL.
 */
import type { AuditActions, AuditEventPage, AuditFilter, Me, VisualisationsLink, VisualisationsUpdate } from "./types";

export class ApiError extends Error {
  readonly status: number;
  /** The response's FastAPI `detail` as sent (a string or a validation error list), if any. */
  readonly detail: unknown;

  constructor(status: number, message: string, detail?: unknown) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.detail = detail;
  }
}

/** The parts of `window.location` the client needs (an object with these members in tests). */
export interface LocationLike {
  pathname: string;
  search: string;
  hash: string;
  replace(url: string): void;
}

export interface ApiClientOptions {
  /** Path of Airflow's base URL, with a trailing slash ("/" or e.g. "/airflow/"). */
  basePath: string;
  fetch: typeof fetch;
  location: LocationLike;
}

export type Query = Record<string, string | number | undefined>;

export type Method = "GET" | "PUT" | "PATCH" | "POST" | "DELETE";

export interface RequestOptions {
  query?: Query;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as multipart/form-data; the browser sets the Content-Type with its boundary. */
  form?: FormData;
  signal?: AbortSignal;
}

/** The transport the API area modules (`configGroups.ts`, `repositories.ts`) build on. */
export interface HttpClient {
  request<T>(method: Method, path: string, options?: RequestOptions): Promise<T>;
  /** Same-origin address of an API path, for links the browser follows itself (downloads). */
  href(path: string, query?: Query): string;
}

/** One path segment (a group, file or artifact name), escaped. */
export function segment(name: string): string {
  return encodeURIComponent(name);
}

/** Files as the multipart body the upload routes take: every file under the same field. */
export function filesForm(files: Iterable<File>, field = "files"): FormData {
  const form = new FormData();
  for (const file of files) {
    form.append(field, file, file.name);
  }
  return form;
}

function searchOf(query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== "") {
      params.set(key, String(value));
    }
  }
  return params.size > 0 ? `?${params.toString()}` : "";
}

/**
 * A FastAPI `detail` as one readable sentence: a string as is, a validation error list as its
 * `msg` values joined.
 */
export function formatDetail(detail: unknown): string | null {
  if (typeof detail === "string") {
    return detail;
  }
  if (Array.isArray(detail)) {
    const messages = detail
      .map((item: unknown) =>
        typeof item === "object" && item !== null && "msg" in item ? String(item.msg) : null,
      )
      .filter((msg): msg is string => msg !== null && msg !== "");
    return messages.length > 0 ? messages.join("; ") : null;
  }
  return null;
}

async function errorFrom(response: Response): Promise<ApiError> {
  let message: string | null = null;
  let detail: unknown;
  try {
    const body: unknown = await response.json();
    if (typeof body === "object" && body !== null && "detail" in body) {
      detail = body.detail;
      message = formatDetail(detail);
    }
  } catch {
    // Not JSON (a proxy's HTML error page, an empty body): fall back to the status line.
  }
  const fallback = `${response.status} ${response.statusText}`.trim();
  return new ApiError(response.status, message ?? `Request failed: ${fallback}`, detail);
}

export function loginUrl(basePath: string, location: LocationLike): string {
  const next = `${location.pathname}${location.search}${location.hash}`;
  return `${basePath}auth/login/?${new URLSearchParams({ next }).toString()}`;
}

export function createApiClient({ basePath, fetch: fetchImpl, location }: ApiClientOptions) {
  const apiRoot = `${basePath}wfo/api/v1`;
  let redirecting = false;

  async function request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
    const search = searchOf(options.query);
    const headers: Record<string, string> = { Accept: "application/json" };
    const init: RequestInit = { credentials: "same-origin", headers, method };
    if (options.form !== undefined) {
      init.body = options.form;
    } else if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    if (options.signal !== undefined) {
      init.signal = options.signal;
    }

    const response = await fetchImpl(`${apiRoot}${path}${search}`, init);
    if (response.status === 401) {
      // Several requests may fail at once when the session expires: navigate only once.
      if (!redirecting) {
        redirecting = true;
        location.replace(loginUrl(basePath, location));
      }
      throw new ApiError(401, "Your session has ended. Redirecting to the login page…");
    }
    if (!response.ok) {
      throw await errorFrom(response);
    }
    if (response.status === 204) {
      return undefined as T;
    }
    return (await response.json()) as T;
  }

  const href = (path: string, query?: Query) => `${apiRoot}${path}${searchOf(query)}`;

  return {
    request,
    href,

    getMe: (signal?: AbortSignal) => request<Me>("GET", "/me", signal ? { signal } : {}),

    listAuditEvents: (filter: AuditFilter, signal?: AbortSignal) =>
      request<AuditEventPage>("GET", "/audit/events", {
        query: { ...filter },
        ...(signal ? { signal } : {}),
      }),

    listAuditActions: (signal?: AbortSignal) =>
      request<AuditActions>("GET", "/audit/actions", signal ? { signal } : {}),

    getVisualisations: (signal?: AbortSignal) =>
      request<VisualisationsLink>("GET", "/visualisations", signal ? { signal } : {}),

    /** Set the dashboard link, or clear it with `null`. */
    setVisualisationsUrl: (url: string | null) =>
      request<VisualisationsLink>("PUT", "/visualisations", { body: { url } satisfies VisualisationsUpdate }),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;

/** Path of the `<base href>` Airflow's UI renders (it is served under a sub-path in some setups). */
export function airflowBasePath(): string {
  const href = document.querySelector("head > base")?.getAttribute("href") ?? "/";
  const path = new URL(href, globalThis.location.origin).pathname;
  return path.endsWith("/") ? path : `${path}/`;
}

let defaultClient: ApiClient | null = null;

/** The client the pages use, bound to the browser's fetch and location. */
export function api(): ApiClient {
  defaultClient ??= createApiClient({
    basePath: airflowBasePath(),
    fetch: globalThis.fetch.bind(globalThis),
    location: globalThis.location,
  });
  return defaultClient;
}
