/**
 * Load data in an effect: aborted on unmount or when the inputs change, reloadable on demand.
 * `onLoad` gets each loaded value (e.g. to fill a form with it) without an effect that copies it.
 */
import { useCallback, useEffect, useRef, useState, type DependencyList } from "react";

export type AsyncState<T> =
  | { status: "loading"; data: T | undefined }
  | { status: "success"; data: T }
  | { status: "error"; data: T | undefined; error: Error };

export function useAsync<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: DependencyList,
  onLoad?: (data: T) => void,
): AsyncState<T> & { reload: () => void } {
  const [state, setState] = useState<AsyncState<T>>({ data: undefined, status: "loading" });
  const [generation, setGeneration] = useState(0);
  // The latest callback, called when a load ends (after the render that passed it).
  const onLoadRef = useRef(onLoad);
  useEffect(() => {
    onLoadRef.current = onLoad;
  });

  useEffect(() => {
    const controller = new AbortController();
    // Keep the previous data on screen while the next page or filter loads. The request is the external
    // system this effect synchronises with; its start is the loading state.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setState((previous) => ({ data: previous.data, status: "loading" }));
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) {
          onLoadRef.current?.(data);
          setState({ data, status: "success" });
        }
      },
      (error: unknown) => {
        if (!controller.signal.aborted) {
          setState((previous) => ({
            data: previous.data,
            error: error instanceof Error ? error : new Error(String(error)),
            status: "error",
          }));
        }
      },
    );
    return () => controller.abort();
    // The caller lists what `load` reads in `deps`, like useEffect's own dependency list.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, generation]);

  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { ...state, reload };
}
