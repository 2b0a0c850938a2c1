/**
 * Routes of the wfo app. Airflow mounts it at `plugin/wfo/*`, so these routes are relative to
 * that path; links use Airflow's router (shared through `globalThis.ReactRouterDOM`).
 */
import { Route, Routes } from "react-router-dom";

import { can, useCurrentUser } from "./hooks/useMe";
import { PAGES, type WfoPage } from "./nav";
import { ForbiddenPage, NotFoundPage } from "./pages/ForbiddenPage";
import { OverviewPage } from "./pages/OverviewPage";
import { Shell } from "./Shell";

function Guarded({ page }: { page: WfoPage }) {
  const me = useCurrentUser();
  return can(me, page.resource, "can_read") ? page.element : <ForbiddenPage title={page.label} />;
}

export function App() {
  return (
    <Routes>
      <Route element={<Shell />}>
        <Route element={<OverviewPage />} index />
        {PAGES.map((page) => (
          <Route element={<Guarded page={page} />} key={page.path} path={`${page.path}/*`} />
        ))}
        <Route element={<NotFoundPage />} path="*" />
      </Route>
    </Routes>
  );
}
