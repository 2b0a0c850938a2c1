/**
 * How a tab tells its group's page that it saved a change: the page then rereads the group, so the
 * header's "Last changed" is current without a reload.
 */
import { createContext, useContext } from "react";

export const GroupChangedContext = createContext<() => void>(() => undefined);

/** Call the returned function after every successful write to the group. */
export function useGroupChanged(): () => void {
  return useContext(GroupChangedContext);
}
