/** Run one user action at a time (a save, an upload, a delete) and keep its outcome for display. */
import { useCallback, useState } from "react";

import { messageOf } from "../errors";

export interface ActionState {
  busy: boolean;
  /** What went wrong, as the server said it. */
  error: string | null;
  /** What went right ("3 files uploaded."). */
  done: string | null;
  /** The raw error, for forms that place messages next to fields. */
  cause: unknown;
}

export function useAction() {
  const [state, setState] = useState<ActionState>({ busy: false, cause: null, done: null, error: null });

  /** Resolves to true when `action` succeeded. */
  const run = useCallback(async (action: () => Promise<string | null | void>): Promise<boolean> => {
    setState({ busy: true, cause: null, done: null, error: null });
    try {
      const done = await action();
      setState({ busy: false, cause: null, done: done ?? null, error: null });
      return true;
    } catch (caught: unknown) {
      setState({ busy: false, cause: caught, done: null, error: messageOf(caught) });
      return false;
    }
  }, []);

  const clear = useCallback(() => setState({ busy: false, cause: null, done: null, error: null }), []);
  return { ...state, clear, run };
}
