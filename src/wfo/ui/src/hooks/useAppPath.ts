/**
 * Absolute in-app paths. Airflow mounts us on its splat route `plugin/:page/*`, and react-router
 * resolves relative links inside a splat route from the current URL (so "audit" on
 * /plugin/wfo/visualisations would mean /plugin/wfo/visualisations/audit). Links are therefore
 * built from Airflow's `page` parameter (our `url_route`) and stay correct on every page.
 */
import { useParams } from "react-router-dom";

export const DEFAULT_URL_ROUTE = "wfo";

export function useAppPath(): (subPath?: string) => string {
  const { page } = useParams();
  const root = `/plugin/${page ?? DEFAULT_URL_ROUTE}`;
  return (subPath = "") => (subPath === "" ? root : `${root}/${subPath}`);
}
