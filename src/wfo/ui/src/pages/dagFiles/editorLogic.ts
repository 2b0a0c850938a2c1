/**
 * The DAG editor's decisions that need no browser: where a validation problem sits in the text,
 * where an inserted code brick goes, how a unified diff is coloured, and what a refused save means.
 * Kept free of CodeMirror so unit tests run them directly.
 */
import { ApiError } from "../../api/client";
import { conflictOf, invalidOf, type ConflictDetail, type InvalidDetail, type Problem } from "../../api/dagFiles";

export interface Range {
  from: number;
  to: number;
}

/** Start offsets of every line of `text` (line 1 at index 0). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let index = 0; index < text.length; index += 1) {
    if (text[index] === "\n") {
      starts.push(index + 1);
    }
  }
  return starts;
}

/**
 * The characters a problem marks: from its column (1-based) to the end of its line, or the whole
 * line without a column. A line past the end (a parse error at EOF) marks the last line. Null when
 * the problem names no line.
 */
export function problemRange(text: string, problem: Pick<Problem, "line" | "column">): Range | null {
  if (problem.line === null || problem.line === undefined || !Number.isFinite(problem.line)) {
    return null;
  }
  const starts = lineStarts(text);
  const line = Math.min(Math.max(1, Math.trunc(problem.line)), starts.length);
  const start = starts[line - 1]!;
  const next = starts[line];
  const end = next === undefined ? text.length : next - 1;
  if (problem.column === null || problem.column === undefined || problem.column < 1) {
    return { from: start, to: end };
  }
  const from = Math.min(start + Math.trunc(problem.column) - 1, end);
  return { from, to: end };
}

export interface Insertion {
  /** Where the text goes (the start of the cursor's line when it is not blank, then after it). */
  from: number;
  insert: string;
  /** Cursor after the insertion. */
  cursor: number;
}

/**
 * A code brick inserted at the cursor as whole lines: a cursor inside a non-blank line inserts after
 * that line; a blank line separates the brick from the code around it.
 */
export function brickInsertion(text: string, cursor: number, code: string): Insertion {
  const at = Math.max(0, Math.min(cursor, text.length));
  const lineStart = text.lastIndexOf("\n", at - 1) + 1;
  const newline = text.indexOf("\n", at);
  const lineEnd = newline === -1 ? text.length : newline;
  const body = code.replace(/^\n+/u, "").replace(/\s+$/u, "");
  if (text.slice(lineStart, lineEnd).trim() === "") {
    // A blank line: the brick takes its place; the blank line stays below it.
    const before = text.slice(0, lineStart);
    const prefix = before !== "" && !before.endsWith("\n\n") ? "\n" : "";
    const insert = `${prefix}${body}\n`;
    return { cursor: lineStart + insert.length - 1, from: lineStart, insert };
  }
  // Inside code: after the cursor's line, with a blank line above and below.
  if (newline === -1) {
    const insert = `\n\n${body}\n`;
    return { cursor: lineEnd + insert.length - 1, from: lineEnd, insert };
  }
  const nextEnd = text.indexOf("\n", newline + 1);
  const nextLine = text.slice(newline + 1, nextEnd === -1 ? text.length : nextEnd);
  const insert = `\n\n${body}${nextLine.trim() === "" ? "" : "\n"}`;
  return { cursor: lineEnd + 2 + body.length, from: lineEnd, insert };
}

export type DiffLineKind = "add" | "remove" | "hunk" | "header" | "context";

export interface DiffLine {
  kind: DiffLineKind;
  text: string;
}

/** A unified diff's lines, each with what it is (for colouring). */
export function diffLines(diff: string): DiffLine[] {
  if (diff === "") {
    return [];
  }
  const lines = diff.replace(/\n$/u, "").split("\n");
  return lines.map((text) => {
    if (text.startsWith("+++") || text.startsWith("---") || text.startsWith("diff ") || text.startsWith("index ")) {
      return { kind: "header", text };
    }
    if (text.startsWith("@@")) {
      return { kind: "hunk", text };
    }
    if (text.startsWith("+")) {
      return { kind: "add", text };
    }
    if (text.startsWith("-")) {
      return { kind: "remove", text };
    }
    return { kind: "context", text };
  });
}

/** "+3 −1" for a diff: lines added and removed. */
export function diffStat(diff: string): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of diffLines(diff)) {
    if (line.kind === "add") {
      added += 1;
    } else if (line.kind === "remove") {
      removed += 1;
    }
  }
  return { added, removed };
}

export type SaveRefusal =
  | { kind: "conflict"; conflict: ConflictDetail }
  | { kind: "invalid"; invalid: InvalidDetail }
  | { kind: "other"; message: string };

/** What a failed save means for the page: someone else saved (409), validation (422), or a message. */
export function saveRefusal(error: unknown): SaveRefusal {
  if (error instanceof ApiError) {
    if (error.status === 409) {
      const conflict = conflictOf(error.detail);
      if (conflict !== null) {
        return { conflict, kind: "conflict" };
      }
    }
    if (error.status === 422) {
      const invalid = invalidOf(error.detail);
      if (invalid !== null) {
        return { invalid, kind: "invalid" };
      }
    }
    const detail = error.detail;
    if (typeof detail === "object" && detail !== null && "message" in detail && typeof detail.message === "string") {
      return { kind: "other", message: detail.message };
    }
    return { kind: "other", message: error.message };
  }
  return { kind: "other", message: error instanceof Error ? error.message : String(error) };
}

/** One line per problem: "line 4, column 7: invalid syntax" (or just the message without a line). */
export function problemLabel(problem: Problem): string {
  if (problem.line === null || problem.line === undefined) {
    return problem.message;
  }
  const where = problem.column ? `line ${problem.line}, column ${problem.column}` : `line ${problem.line}`;
  return `${where}: ${problem.message}`;
}

/** A refusal as one sentence (for dialogs that show a single message): the reason and the first problems. */
export function refusalMessage(refusal: SaveRefusal): string {
  if (refusal.kind === "other") {
    return refusal.message;
  }
  if (refusal.kind === "conflict") {
    const who = refusal.conflict.current_author ? ` by ${refusal.conflict.current_author}` : "";
    return `${refusal.conflict.message} (changed${who}; reload the file and try again)`;
  }
  const problems = refusal.invalid.validation.errors.slice(0, 3).map(problemLabel);
  return problems.length > 0 ? `${refusal.invalid.message}: ${problems.join("; ")}` : refusal.invalid.message;
}

/** Runs a write to the DAGs folder outside the editor; a refusal becomes an error a user can read. */
export async function explainRefusal<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error: unknown) {
    throw new Error(refusalMessage(saveRefusal(error)), { cause: error });
  }
}
