/** Routes of the code artifacts area: the list (search, drag-and-drop upload) and one artifact's versions. */
import { Route, Routes } from "react-router-dom";

import { ArtifactDetailPage } from "./ArtifactDetailPage";
import { ArtifactListPage } from "./ArtifactListPage";

export function CodeArtifactsPage() {
  return (
    <Routes>
      <Route element={<ArtifactListPage />} index />
      <Route element={<ArtifactDetailPage />} path=":name" />
    </Routes>
  );
}
