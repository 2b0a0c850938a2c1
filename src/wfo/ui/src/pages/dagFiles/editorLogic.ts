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

// --- a code brick's imports, merged into the file's import block -----------------------------------------

/** One logical line of Python: a statement's lines (brackets, strings and `\` joined), or a blank/comment line. */
export interface LogicalLine {
  from: number;
  /** End of its last physical line (before the newline). */
  to: number;
  text: string;
  indent: number;
  kind: "blank" | "comment" | "code";
}

/**
 * The logical lines of `text`, as Python's tokenizer groups them: a newline inside brackets, a string or
 * after a backslash does not end a statement. Lenient: broken code (an unclosed bracket or string) ends
 * at the end of the text instead of failing, so a file being edited is always read.
 */
export function logicalLines(text: string): LogicalLine[] {
  const lines: LogicalLine[] = [];
  let index = 0;
  while (index < text.length) {
    const from = index;
    let depth = 0;
    let end = -1;
    while (index < text.length && end === -1) {
      const char = text[index]!;
      if (char === "\n") {
        if (depth === 0) {
          end = index;
        }
        index += 1;
      } else if (char === "\\" && text[index + 1] === "\n") {
        index += 2;
      } else if (char === "#") {
        const newline = text.indexOf("\n", index);
        index = newline === -1 ? text.length : newline;
      } else if (char === '"' || char === "'") {
        index = stringEnd(text, index);
      } else {
        if ("([{".includes(char)) {
          depth += 1;
        } else if (")]}".includes(char) && depth > 0) {
          depth -= 1;
        }
        index += 1;
      }
    }
    const to = end === -1 ? text.length : end;
    const raw = text.slice(from, to);
    const trimmed = raw.trim();
    const indent = raw.length - raw.trimStart().length;
    lines.push({ from, indent, kind: trimmed === "" ? "blank" : trimmed.startsWith("#") ? "comment" : "code", text: raw, to });
  }
  return lines;
}

/** Index after the string literal starting at `start` (its quote); an unclosed one-line string ends at its line. */
function stringEnd(text: string, start: number): number {
  const quote = text[start]!;
  const triple = text.startsWith(quote.repeat(3), start);
  const closing = triple ? quote.repeat(3) : quote;
  let index = start + closing.length;
  while (index < text.length) {
    const char = text[index]!;
    if (char === "\\") {
      index += 2;
    } else if (text.startsWith(closing, index)) {
      return index + closing.length;
    } else if (char === "\n" && !triple) {
      return index;
    } else {
      index += 1;
    }
  }
  return text.length;
}

/** An import statement: `module` null for `import a, b as c`; `names` as written ("b as c"), spaces normalised. */
export interface ImportStatement {
  module: string | null;
  names: string[];
  line: LogicalLine;
  /** One plain line (no brackets, backslash or comment): names can be added to it in place. */
  extendable: boolean;
}

export function parseImport(line: LogicalLine): ImportStatement | null {
  if (line.kind !== "code" || line.text.includes(";")) {
    return null;
  }
  const code = line.text.replace(/#[^\n]*/gu, "").replace(/\\\n/gu, " ").replace(/\s+/gu, " ").trim();
  const names = (list: string) =>
    list
      .replace(/^\(|\)$/gu, "")
      .split(",")
      .map((name) => name.trim())
      .filter((name) => name !== "");
  const extendable = !/[()#\\\n]/u.test(line.text.trim());
  const from = /^from (\.*[\w.]*) import (.+)$/u.exec(code);
  if (from !== null && from[1] !== "") {
    return { extendable, line, module: from[1]!, names: names(from[2]!) };
  }
  const plain = /^import (.+)$/u.exec(code);
  return plain === null ? null : { extendable, line, module: null, names: names(plain[1]!) };
}

function isDocstring(line: LogicalLine): boolean {
  return /^[rRuUbB]{0,2}("""|'''|"|')/u.test(line.text.trim());
}

interface Edit {
  from: number;
  to: number;
  insert: string;
}

/** The file's top-level imports, and where new import lines go: after the leading import block. */
function importBlock(text: string): { imports: ImportStatement[]; insertAt: number; after: "import" | "docstring" | "top" } {
  const lines = logicalLines(text);
  const topLevel = lines.filter((line) => line.kind === "code" && line.indent === 0);
  const imports = topLevel.map(parseImport).filter((statement): statement is ImportStatement => statement !== null);
  let last: LogicalLine | null = null;
  let docstring: LogicalLine | null = null;
  for (const [position, line] of topLevel.entries()) {
    if (position === 0 && isDocstring(line)) {
      docstring = line;
    } else if (parseImport(line) !== null) {
      last = line;
    } else {
      break;
    }
  }
  if (last !== null) {
    return { after: "import", imports, insertAt: last.to };
  }
  if (docstring !== null) {
    return { after: "docstring", imports, insertAt: docstring.to };
  }
  const firstCode = topLevel[0];
  return { after: "top", imports, insertAt: firstCode === undefined ? text.length : firstCode.from };
}

/** The lines to add and the import lines to extend so that `wanted` is imported, without duplicates. */
function importEdits(text: string, wanted: ImportStatement[]): Edit[] {
  const block = importBlock(text);
  const plain = new Set(block.imports.filter((s) => s.module === null).flatMap((s) => s.names));
  const fromModule = new Map<string, Set<string>>();
  for (const statement of block.imports) {
    if (statement.module !== null) {
      const names = fromModule.get(statement.module) ?? new Set<string>();
      statement.names.forEach((name) => names.add(name));
      fromModule.set(statement.module, names);
    }
  }
  const extended = new Map<ImportStatement, string[]>();
  const added: string[] = [];
  for (const statement of wanted) {
    if (statement.module === null) {
      for (const name of statement.names.filter((name) => !plain.has(name))) {
        plain.add(name);
        added.push(`import ${name}`);
      }
      continue;
    }
    const have = fromModule.get(statement.module) ?? new Set<string>();
    fromModule.set(statement.module, have);
    if (have.has("*")) {
      continue;
    }
    const missing = statement.names.filter((name) => !have.has(name));
    if (missing.length === 0) {
      continue;
    }
    missing.forEach((name) => have.add(name));
    const target = block.imports.find((s) => s.module === statement.module && s.extendable && s.line.indent === 0);
    if (target !== undefined) {
      extended.set(target, [...(extended.get(target) ?? target.names), ...missing]);
    } else {
      added.push(`from ${statement.module} import ${missing.join(", ")}`);
    }
  }
  const edits: Edit[] = [...extended].map(([target, names]) => ({
    from: target.line.from,
    insert: `from ${target.module} import ${names.join(", ")}`,
    to: target.line.to,
  }));
  if (added.length > 0) {
    const lines = added.join("\n");
    if (block.after === "import") {
      edits.push({ from: block.insertAt, insert: `\n${lines}`, to: block.insertAt });
    } else if (block.after === "docstring") {
      const next = text.slice(block.insertAt + 1).split("\n", 1)[0] ?? "";
      edits.push({ from: block.insertAt, insert: `\n\n${lines}${next.trim() === "" ? "" : "\n"}`, to: block.insertAt });
    } else {
      const separator = block.insertAt === text.length ? (text === "" || text.endsWith("\n") ? "\n" : "") : "\n\n";
      const lead = block.insertAt === text.length && text !== "" && !text.endsWith("\n") ? "\n" : "";
      edits.push({ from: block.insertAt, insert: `${lead}${lines}${separator}`, to: block.insertAt });
    }
  }
  return edits;
}

/** A brick split into its leading imports and the rest (comments among the imports stay with the rest). */
export function splitBrick(code: string): { imports: ImportStatement[]; body: string } {
  const imports: ImportStatement[] = [];
  const kept: string[] = [];
  const lines = logicalLines(code);
  let index = 0;
  for (; index < lines.length; index += 1) {
    const line = lines[index]!;
    const statement = line.kind === "code" && line.indent === 0 ? parseImport(line) : null;
    if (statement !== null) {
      imports.push(statement);
    } else if (line.kind === "comment") {
      kept.push(line.text);
    } else if (line.kind !== "blank") {
      break;
    }
  }
  const rest = index < lines.length ? code.slice(lines[index]!.from) : "";
  const body = [...kept, rest].join("\n").replace(/^\n+/u, "").replace(/\s+$/u, "");
  return { body, imports };
}

export interface BrickMerge {
  text: string;
  cursor: number;
}

/**
 * A code brick put into the file: its imports merged into the file's import block at the top (names
 * added to an existing `from m import ...` line, new lines after the last import, nothing imported
 * twice), the rest inserted at the cursor as whole lines (`brickInsertion`).
 */
export function mergeBrick(text: string, cursor: number, code: string): BrickMerge {
  const { imports, body } = splitBrick(code);
  if (text.trim() === "") {
    const merged = [importEdits("", imports).map((edit) => edit.insert.trim()).join("\n"), body].filter((part) => part !== "").join("\n\n");
    return { cursor: merged.length, text: merged === "" ? text : `${merged}\n` };
  }
  const edits = importEdits(text, imports);
  const at = Math.max(0, Math.min(cursor, text.length));
  let bodyEdit: Edit | null = null;
  let bodyCursor = at;
  if (body !== "") {
    const insertion = brickInsertion(text, at, body);
    bodyEdit = { from: insertion.from, insert: insertion.insert, to: insertion.from };
    bodyCursor = insertion.cursor;
  }
  // Import edits sit at or before the import block's end; at the same place they come first.
  let shift = 0;
  for (const edit of edits) {
    if (edit.to <= (bodyEdit?.from ?? at)) {
      shift += edit.insert.length - (edit.to - edit.from);
    }
  }
  const all = bodyEdit === null ? edits : [...edits, bodyEdit];
  let result = text;
  for (const edit of [...all].reverse().sort((a, b) => b.from - a.from)) {
    result = result.slice(0, edit.from) + edit.insert + result.slice(edit.to);
  }
  return { cursor: bodyCursor + shift, text: result };
}

/** The one change that turns `before` into `after` (their common start and end kept), for the editor. */
export function changeBetween(before: string, after: string): Edit {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) {
    start += 1;
  }
  let end = 0;
  while (
    end < before.length - start &&
    end < after.length - start &&
    before[before.length - 1 - end] === after[after.length - 1 - end]
  ) {
    end += 1;
  }
  return { from: start, insert: after.slice(start, after.length - end), to: before.length - end };
}

/** "1 error", "2 errors". */
export function countOf(count: number, noun: string, plural = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : plural}`;
}
