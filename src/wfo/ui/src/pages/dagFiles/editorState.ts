/**
 * The DAG editor page as a reducer over explicit states, free of React and CodeMirror so unit tests
 * drive it directly:
 *
 *   loading ──▶ editing ⇄ checking                         (Validate, then checked / checkFailed)
 *    ▲  │          ▲  │ reviewOpened
 *    │  ▼          │  ▼
 *   failed         ├─ reviewing ──▶ saving ──▶ editing        (saved)
 *  (retried)       │     ▲            ├──▶ reviewing + refusal (invalid: fix or save anyway; other error)
 *                  │     └─ mineKept ─┴──▶ conflict            (someone saved meanwhile)
 *                  └──────── theirsTaken ───────┘
 *
 * "Clean" and "dirty" are not phases of their own but read from the text (`isDirty`), so they can never
 * disagree with what the editor shows. An example (shipped with wfo) and a reader without edit rights
 * stay in `editing`, read-only. Events that do not apply in the current phase leave the state as it is.
 */
import type { DagExampleDetail } from "../../api/dagExamples";
import type { ConflictDetail, DagFile, Saved, UpgradeResult, ValidateResponse, ValidationResult } from "../../api/dagFiles";
import type { SaveRefusal } from "./editorLogic";

/** Where the text comes from: a saved file, a new file (not saved yet), or a read-only example. */
export type Origin = "file" | "new" | "example";

export interface Doc {
  name: string;
  origin: Origin;
  /** What a save is based on: the saved text and its revision (null: the file does not exist yet). */
  base: { content: string; revision: string | null };
  /** The text the editor started with (a new file's template): unchanged means nothing to lose. */
  start: string;
  text: string;
  /** The file or example as loaded (last saved time, DAG links, parse error). */
  loaded: DagFile | DagExampleDetail | null;
  validation: ValidationResult | null;
  /** A proposed upgrade and the text it was proposed for (the left side of its diff). */
  upgrade: { from: string; result: UpgradeResult } | null;
  checkError: string | null;
  saved: Saved | null;
  message: string;
}

export type ReviewRefusal = Exclude<SaveRefusal, { kind: "conflict" }>;

export type EditorState =
  | { phase: "loading" }
  | { phase: "failed"; error: Error }
  | { phase: "editing"; doc: Doc }
  | { phase: "checking"; doc: Doc }
  | { phase: "reviewing"; doc: Doc; refusal: ReviewRefusal | null }
  /** `refusal`: the one being answered ("Save anyway"), still shown while saving. */
  | { phase: "saving"; doc: Doc; force: boolean; refusal: ReviewRefusal | null }
  | { phase: "conflict"; doc: Doc; conflict: ConflictDetail };

export type EditorEvent =
  | { type: "fileLoaded"; file: DagFile }
  | { type: "newFile"; name: string; template: string }
  | { type: "exampleLoaded"; example: DagExampleDetail }
  | { type: "loadFailed"; error: Error }
  | { type: "retried" }
  | { type: "edited"; text: string }
  | { type: "upgradeProposed"; from: string; upgrade: UpgradeResult }
  | { type: "upgradeAccepted" }
  | { type: "checkStarted" }
  | { type: "checked"; text: string; result: ValidateResponse }
  | { type: "checkFailed"; message: string }
  | { type: "reviewOpened" }
  | { type: "reviewClosed" }
  | { type: "messageEdited"; message: string }
  | { type: "saveStarted"; force: boolean }
  | { type: "saved"; result: Saved }
  | { type: "saveRefused"; refusal: SaveRefusal }
  | { type: "theirsTaken" }
  | { type: "mineKept" };

export const initialEditorState: EditorState = { phase: "loading" };

function startDoc(name: string, origin: Origin, content: string, revision: string | null, text: string, loaded: Doc["loaded"]): Doc {
  return {
    base: { content, revision },
    checkError: null,
    loaded,
    message: "",
    name,
    origin,
    saved: null,
    start: text,
    text,
    upgrade: null,
    validation: null,
  };
}

export function editorReducer(state: EditorState, event: EditorEvent): EditorState {
  switch (event.type) {
    case "fileLoaded":
      return state.phase === "loading"
        ? { doc: startDoc(event.file.name, "file", event.file.content, event.file.revision, event.file.content, event.file), phase: "editing" }
        : state;
    case "newFile":
      return state.phase === "loading" ? { doc: startDoc(event.name, "new", "", null, event.template, null), phase: "editing" } : state;
    case "exampleLoaded":
      return state.phase === "loading"
        ? { doc: startDoc(event.example.name, "example", event.example.content, null, event.example.content, event.example), phase: "editing" }
        : state;
    case "loadFailed":
      return state.phase === "loading" ? { error: event.error, phase: "failed" } : state;
    case "retried":
      return state.phase === "failed" ? initialEditorState : state;
    default:
      break;
  }
  if (!("doc" in state)) {
    return state;
  }
  const doc = state.doc;
  const editable = doc.origin !== "example";
  switch (event.type) {
    case "edited":
      // Only the editor changes the text, and it is on screen while editing and checking.
      return (state.phase === "editing" || state.phase === "checking") && editable ? { ...state, doc: { ...doc, text: event.text } } : state;
    case "upgradeProposed":
      return { ...state, doc: { ...doc, upgrade: { from: event.from, result: event.upgrade } } } as EditorState;
    case "upgradeAccepted":
      if (state.phase !== "editing" || doc.upgrade === null || !editable) {
        return state;
      }
      return { doc: { ...doc, text: doc.upgrade.result.source, upgrade: null, validation: null }, phase: "editing" };
    case "checkStarted":
      return state.phase === "editing" && editable ? { doc: { ...doc, checkError: null }, phase: "checking" } : state;
    case "checked":
      if (state.phase !== "checking") {
        return state;
      }
      return {
        doc: { ...doc, upgrade: event.result.upgrade === null ? null : { from: event.text, result: event.result.upgrade }, validation: event.result.validation },
        phase: "editing",
      };
    case "checkFailed":
      return state.phase === "checking" ? { doc: { ...doc, checkError: event.message }, phase: "editing" } : state;
    case "reviewOpened":
      return state.phase === "editing" && canReview(doc) ? { doc: { ...doc, saved: null }, phase: "reviewing", refusal: null } : state;
    case "reviewClosed":
      return state.phase === "reviewing" ? { doc, phase: "editing" } : state;
    case "messageEdited":
      return state.phase === "reviewing" ? { ...state, doc: { ...doc, message: event.message } } : state;
    case "saveStarted":
      return state.phase === "reviewing" ? { doc, force: event.force, phase: "saving", refusal: state.refusal } : state;
    case "saved":
      if (state.phase !== "saving") {
        return state;
      }
      return {
        doc: {
          ...doc,
          base: { content: doc.text, revision: event.result.revision ?? doc.base.revision },
          message: "",
          origin: "file",
          saved: event.result,
          start: doc.text,
          upgrade: null,
          validation: event.result.validation,
        },
        phase: "editing",
      };
    case "saveRefused":
      if (state.phase !== "saving") {
        return state;
      }
      if (event.refusal.kind === "conflict") {
        return { conflict: event.refusal.conflict, doc, phase: "conflict" };
      }
      if (event.refusal.kind === "invalid") {
        const { validation, upgrade } = event.refusal.invalid;
        return {
          doc: { ...doc, upgrade: upgrade === null ? null : { from: doc.text, result: upgrade }, validation },
          phase: "reviewing",
          refusal: event.refusal,
        };
      }
      return { doc, phase: "reviewing", refusal: event.refusal };
    case "theirsTaken": {
      // Drop mine: their version becomes both the base and the text.
      if (state.phase !== "conflict") {
        return state;
      }
      const content = state.conflict.current_content ?? "";
      const base = { content, revision: state.conflict.current_revision };
      return { doc: { ...doc, base, origin: base.revision === null ? "new" : "file", start: content, text: content }, phase: "editing" };
    }
    case "mineKept": {
      // Review again against their version: the diff now shows what saving would overwrite.
      if (state.phase !== "conflict") {
        return state;
      }
      const base = { content: state.conflict.current_content ?? "", revision: state.conflict.current_revision };
      return { doc: { ...doc, base, origin: base.revision === null ? "new" : "file" }, phase: "reviewing", refusal: null };
    }
    default:
      return state;
  }
}

/** The document, once loaded. */
export function docOf(state: EditorState): Doc | null {
  return "doc" in state ? state.doc : null;
}

/** Review & Save is possible: a new file (saving creates it) or a changed one; never an example. */
export function canReview(doc: Doc): boolean {
  return doc.origin === "new" || (doc.origin === "file" && doc.text !== doc.base.content);
}

/** The text differs from what the editor started with (or last saved): leaving would lose it. */
export function isDirty(state: EditorState): boolean {
  const doc = docOf(state);
  return doc !== null && doc.origin !== "example" && doc.text !== doc.start;
}

/** Leaving now loses something: unsaved text, or a save still under way. */
export function mustWarnOnLeave(state: EditorState): boolean {
  return isDirty(state) || state.phase === "saving";
}

export type EditorStatus = "loading" | "failed" | "read-only" | "clean" | "dirty" | "checking" | "reviewing" | "saving" | "conflict";

/** One word for the page's state (shown in tests and, for clean/dirty, as the "modified" badge). */
export function editorStatus(state: EditorState, canEdit: boolean): EditorStatus {
  switch (state.phase) {
    case "editing":
      if (!canEdit || state.doc.origin === "example") {
        return "read-only";
      }
      return isDirty(state) ? "dirty" : "clean";
    default:
      return state.phase;
  }
}

/** The commit message a save gets when the user leaves the field empty (as the server words it). */
export function defaultMessage(doc: Doc): string {
  return `${doc.base.revision === null ? "Create" : "Save"} ${doc.name}`;
}
