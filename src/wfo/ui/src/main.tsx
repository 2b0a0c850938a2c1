/**
 * Entry of the wfo UI bundle. The UMD build assigns the default export to
 * `globalThis.AirflowPlugin`; Airflow's UI then renders it inside its own providers (router, Chakra
 * theme with light/dark mode, React Query) at /plugin/wfo/*. Keep this module's only export the
 * default one: Airflow expects the global to be the component function itself.
 */
import { App } from "./App";

/** Route parameters Airflow passes to every plugin app (unset on our top-level page). */
export interface AirflowPluginProps {
  dagId?: string;
  runId?: string;
  taskId?: string;
  mapIndex?: string;
}

export default function WfoApp(_props: AirflowPluginProps) {
  return <App />;
}
