/**
 * Routes of the DAG files area: the list (upload, create, delete; the shipped examples), `edit/<name>`
 * (the editor, loaded on demand with CodeMirror), `example/<name>` (an example, read-only, in the same
 * editor) and `history/<name>`. Names may contain "/" (sub-folders), so
 * the editor and history routes take the rest of the path.
 */
import { Spinner } from "@chakra-ui/react";
import { lazy, Suspense } from "react";
import { Route, Routes, useParams } from "react-router-dom";

import { DagFileListPage } from "./DagFileListPage";
import { HistoryPage } from "./HistoryPage";

const DagEditorPage = lazy(() => import("./DagEditorPage"));

/** A fresh editor per file: opening another file starts from that file's saved text. */
function EditorRoute({ example = false }: { example?: boolean }) {
  const name = useParams()["*"] ?? "";
  return (
    <Suspense fallback={<Spinner data-testid="dag-editor-loading" />}>
      <DagEditorPage example={example} key={name} />
    </Suspense>
  );
}

export function DagFilesPage() {
  return (
    <Routes>
      <Route element={<DagFileListPage />} index />
      <Route element={<EditorRoute />} path="edit/*" />
      <Route element={<EditorRoute example />} path="example/*" />
      <Route element={<HistoryPage />} path="history/*" />
    </Routes>
  );
}
