/** Code bricks (`/wfo/api/v1/code-bricks`): the snippets the DAG editor inserts at the cursor. */
import { api, type HttpClient } from "./client";
import type { Body, Model } from "./types";

/** `shipped`: as wfo ships it (an edit makes it false). */
export type CodeBrick = Model<"CodeBrickPublic">;
export type CodeBrickInput = Body<"CodeBrickInput">;

const ROOT = "/code-bricks";

export function codeBricksApi(http: HttpClient) {
  return {
    /** q matches title, description and tags. */
    list: (q: string, signal?: AbortSignal) =>
      http.request<Model<"CodeBrickList">>("GET", ROOT, { query: { q }, ...(signal ? { signal } : {}) }),
    /** 409 when the title is taken, 422 when the code is not valid Python. */
    create: (brick: CodeBrickInput) => http.request<CodeBrick>("POST", ROOT, { body: brick }),
    update: (id: number, brick: CodeBrickInput) => http.request<CodeBrick>("PUT", `${ROOT}/${id}`, { body: brick }),
    remove: (id: number) => http.request<void>("DELETE", `${ROOT}/${id}`),
  };
}

export type CodeBricksApi = ReturnType<typeof codeBricksApi>;

export function codeBricks(): CodeBricksApi {
  return codeBricksApi(api());
}

/** "spark, jar ,, example" -> ["spark", "jar", "example"]. */
export function parseTags(text: string): string[] {
  const seen = new Set<string>();
  for (const part of text.split(",")) {
    const tag = part.trim();
    if (tag !== "") {
      seen.add(tag);
    }
  }
  return [...seen];
}
