/** The CodeMirror editor of a DAG file, with a handle to replace or insert text and show problems. */
import { Box } from "@chakra-ui/react";
import { Compartment } from "@codemirror/state";
import { useEffect, useImperativeHandle, useRef, type Ref } from "react";

import type { Problem } from "../../api/dagFiles";
import { EditorState, EditorView, diagnosticsFor, editorExtensions, setDiagnostics, themeFor } from "./codemirror";
import { changeBetween, mergeBrick } from "./editorLogic";

export interface CodeEditorHandle {
  /** Insert a code brick: its imports into the file's import block, the rest at the cursor (whole lines). */
  insertAtCursor: (code: string) => void;
  /** Replace the whole text (reload, accept an upgrade). */
  setText: (text: string) => void;
  /** Mark problems in the gutter and under the code. */
  showProblems: (errors: Problem[], warnings: Problem[]) => void;
  /** Move the cursor to a line (1-based) and focus. */
  goToLine: (line: number) => void;
}

export function CodeEditor({
  initialText,
  dark,
  readOnly = false,
  onChange,
  onSave,
  ref,
}: {
  initialText: string;
  dark: boolean;
  /** For readers: the text can be searched and selected, not changed. */
  readOnly?: boolean;
  onChange: (text: string) => void;
  onSave: () => void;
  ref?: Ref<CodeEditorHandle>;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const themeSlot = useRef(new Compartment());
  // The latest callbacks, read by the editor's listeners (created once).
  const callbacks = useRef({ onChange, onSave });
  useEffect(() => {
    callbacks.current = { onChange, onSave };
  });

  useEffect(() => {
    const state = EditorState.create({
      doc: initialText,
      extensions: editorExtensions({
        dark,
        onChange: (text) => callbacks.current.onChange(text),
        onSave: () => callbacks.current.onSave(),
        readOnly,
        themeSlot: themeSlot.current,
      }),
    });
    const created = new EditorView({ parent: host.current!, state });
    view.current = created;
    return () => {
      created.destroy();
      view.current = null;
    };
    // The editor is created once per mount; later text comes through the handle, the theme below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    view.current?.dispatch({ effects: themeSlot.current.reconfigure(themeFor(dark)) });
  }, [dark]);

  useImperativeHandle(
    ref,
    () => ({
      goToLine: (line: number) => {
        const current = view.current;
        if (current === null) {
          return;
        }
        const doc = current.state.doc;
        const target = doc.line(Math.min(Math.max(1, line), doc.lines));
        current.dispatch({ scrollIntoView: true, selection: { anchor: target.from } });
        current.focus();
      },
      insertAtCursor: (code: string) => {
        const current = view.current;
        if (current === null) {
          return;
        }
        const before = current.state.doc.toString();
        const merged = mergeBrick(before, current.state.selection.main.head, code);
        // One change (one undo step) from the first to the last character that differ.
        const change = changeBetween(before, merged.text);
        current.dispatch({ changes: change, scrollIntoView: true, selection: { anchor: merged.cursor } });
        current.focus();
      },
      setText: (text: string) => {
        const current = view.current;
        if (current !== null) {
          current.dispatch({ changes: { from: 0, insert: text, to: current.state.doc.length } });
        }
      },
      showProblems: (errors: Problem[], warnings: Problem[]) => {
        const current = view.current;
        if (current !== null) {
          const text = current.state.doc.toString();
          current.dispatch(setDiagnostics(current.state, diagnosticsFor(text, errors, warnings)));
        }
      },
    }),
    [],
  );

  return (
    <Box
      borderWidth="1px"
      data-testid="dag-editor"
      height="100%"
      minHeight="24rem"
      overflow="hidden"
      ref={host}
      rounded="md"
    />
  );
}
