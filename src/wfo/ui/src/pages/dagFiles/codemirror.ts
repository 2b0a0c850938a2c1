/**
 * The CodeMirror 6 pieces the DAG pages use, in one module so they load together with the editor
 * page and nowhere else: Python highlighting, line numbers, search (Ctrl-F), lint gutter, the
 * light/dark themes and the side-by-side merge view.
 */
import { python } from "@codemirror/lang-python";
import { setDiagnostics, lintGutter, type Diagnostic } from "@codemirror/lint";
import { MergeView } from "@codemirror/merge";
import { Compartment, EditorState, type Extension } from "@codemirror/state";
import { oneDark } from "@codemirror/theme-one-dark";
import { EditorView, keymap } from "@codemirror/view";
import { basicSetup } from "codemirror";

import type { Problem } from "../../api/dagFiles";
import { problemRange } from "./editorLogic";

export { EditorState, EditorView, MergeView, setDiagnostics };
export type { Diagnostic };

/** Editor chrome taken from Chakra's CSS variables, so light and dark follow Airflow's theme. */
const chrome = EditorView.theme({
  "&": { fontSize: "13px", height: "100%" },
  ".cm-scroller": { fontFamily: "var(--chakra-fonts-mono, monospace)", overflow: "auto" },
});

export function themeFor(dark: boolean): Extension {
  return dark ? oneDark : [];
}

/** Extensions of the editable DAG editor; `themeSlot` swaps light/dark without losing the text. */
export function editorExtensions(options: {
  themeSlot: Compartment;
  dark: boolean;
  readOnly: boolean;
  onChange: (text: string) => void;
  onSave: () => void;
}): Extension[] {
  return [
    basicSetup,
    EditorState.readOnly.of(options.readOnly),
    python(),
    lintGutter(),
    chrome,
    options.themeSlot.of(themeFor(options.dark)),
    keymap.of([
      {
        key: "Mod-s",
        preventDefault: true,
        run: () => {
          options.onSave();
          return true;
        },
      },
    ]),
    EditorView.updateListener.of((update) => {
      if (update.docChanged) {
        options.onChange(update.state.doc.toString());
      }
    }),
  ];
}

/** Read-only side of a merge view. */
export function readOnlyExtensions(dark: boolean): Extension[] {
  return [
    basicSetup,
    python(),
    chrome,
    themeFor(dark),
    EditorState.readOnly.of(true),
    EditorView.editable.of(false),
  ];
}

/** Validation problems as CodeMirror diagnostics (problems without a line are left to the list). */
export function diagnosticsFor(text: string, errors: Problem[], warnings: Problem[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const add = (problem: Problem, severity: "error" | "warning") => {
    const range = problemRange(text, problem);
    if (range !== null) {
      out.push({ from: range.from, message: problem.message, severity, source: problem.kind, to: range.to });
    }
  };
  errors.forEach((problem) => add(problem, "error"));
  warnings.forEach((problem) => add(problem, "warning"));
  return out.sort((a, b) => a.from - b.from);
}
