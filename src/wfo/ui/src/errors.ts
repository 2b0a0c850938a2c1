/**
 * Server refusals shown where they belong: a message that names a key (a Spark argument, a conf)
 * goes next to that key's row, the others above the form.
 */
import { ApiError } from "./api/client";

export interface KeyedErrors {
  byKey: Record<string, string[]>;
  general: string[];
}

/** Messages of a FastAPI `detail`, each with the `loc` path of a validation error when there is one. */
function messagesOf(detail: unknown): { message: string; loc: string[] }[] {
  if (typeof detail === "string") {
    return [{ loc: [], message: detail }];
  }
  if (!Array.isArray(detail)) {
    return [];
  }
  return detail.flatMap((item: unknown) => {
    if (typeof item === "string") {
      return [{ loc: [], message: item }];
    }
    if (typeof item !== "object" || item === null || !("msg" in item)) {
      return [];
    }
    const loc = "loc" in item && Array.isArray(item.loc) ? item.loc.map(String) : [];
    return [{ loc, message: String(item.msg) }];
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/gu, "\\$&");
}

/** Whether `message` names `key` as a whole word (so `jars` is not found in `spark.jars.packages`). */
export function mentions(message: string, key: string): boolean {
  return new RegExp(`(^|[^A-Za-z0-9_.-])${escapeRegExp(key)}($|[^A-Za-z0-9_.-]|\\.(?![A-Za-z0-9_]))`, "u").test(
    message,
  );
}

/**
 * The server's summary of several refused keys, `invalid Spark settings: driver-memory: must be
 * ...; jars: 'b.jar' is not ...`, as one entry per key on screen (null when it is not that form).
 */
function splitSummary(message: string, keys: readonly string[]): { key: string; message: string }[] | null {
  const body = message.replace(/^invalid [A-Za-z ]+ settings: /u, "");
  const entries: { key: string; message: string }[] = [];
  for (const part of body.split("; ")) {
    const key = keys.find((candidate) => part.startsWith(`${candidate}: `));
    if (key !== undefined) {
      entries.push({ key, message: part.slice(key.length + 2) });
    } else if (entries.length > 0) {
      // A "; " inside a message: glue it back.
      entries[entries.length - 1]!.message += `; ${part}`;
    } else {
      return null;
    }
  }
  return entries;
}

/** Splits an error by the keys it names: `keys` are the rows on screen. */
export function keyedErrors(error: unknown, keys: readonly string[]): KeyedErrors {
  const result: KeyedErrors = { byKey: {}, general: [] };
  if (!(error instanceof ApiError)) {
    result.general.push(error instanceof Error ? error.message : String(error));
    return result;
  }
  const messages = messagesOf(error.detail);
  if (messages.length === 0) {
    result.general.push(error.message);
    return result;
  }
  // Longest keys first: a message about `spark.jars.packages` is not also about `spark.jars`.
  const ordered = [...keys].sort((a, b) => b.length - a.length);
  for (const { message, loc } of messages) {
    const summary = loc.length === 0 ? splitSummary(message, ordered) : null;
    if (summary !== null) {
      for (const entry of summary) {
        (result.byKey[entry.key] ??= []).push(entry.message);
      }
      continue;
    }
    // A nested setting's loc (`["body", "python", "url"]`) names the key as a dotted path.
    const path = (loc[0] === "body" ? loc.slice(1) : loc).join(".");
    const key =
      ordered.find((candidate) => path === candidate || path.startsWith(`${candidate}.`)) ??
      ordered.find((candidate) => loc.includes(candidate)) ??
      ordered.find((k) => mentions(message, k));
    if (key === undefined) {
      result.general.push(message);
    } else {
      (result.byKey[key] ??= []).push(message);
    }
  }
  return result;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The line above a form: the messages no field took, or a pointer to the fields that have one. */
export function formError(errors: KeyedErrors | null): string | null {
  if (errors === null) {
    return null;
  }
  if (errors.general.length > 0) {
    return errors.general.join(" ");
  }
  return Object.keys(errors.byKey).length > 0 ? "Not saved: see the messages next to the fields." : null;
}
