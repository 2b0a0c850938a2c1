/** Routes of the config groups area: the list, and one group with its tabs. */
import { Route, Routes } from "react-router-dom";

import { GroupDetailPage } from "./GroupDetailPage";
import { GroupListPage } from "./GroupListPage";

export function ConfigGroupsPage() {
  return (
    <Routes>
      <Route element={<GroupListPage />} index />
      <Route element={<GroupDetailPage />} path=":name/*" />
    </Routes>
  );
}
