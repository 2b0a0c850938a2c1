/**
 * Who is signed in and what they may do. Airflow re-mounts a plugin app on every path change, so
 * the answer is kept at module level: navigating between our pages does not refetch it or flash a
 * spinner. A full page load (e.g. after logging in as someone else) starts fresh.
 */
import { useEffect, useState } from "react";
import { useOutletContext } from "react-router-dom";

import { api } from "../api/client";
import type { Me, Permission } from "../api/types";

let cached: Me | undefined;
let pending: Promise<Me> | undefined;

function loadMe(): Promise<Me> {
  pending ??= api()
    .getMe()
    .then(
      (me) => {
        cached = me;
        return me;
      },
      (error: unknown) => {
        pending = undefined; // let the next mount retry
        throw error;
      },
    );
  return pending;
}

export type MeState = { status: "loading" } | { status: "ready"; me: Me } | { status: "error"; error: Error };

export function useMe(): MeState {
  const [state, setState] = useState<MeState>(
    cached === undefined ? { status: "loading" } : { me: cached, status: "ready" },
  );
  useEffect(() => {
    if (cached !== undefined) {
      return;
    }
    let active = true;
    loadMe().then(
      (me) => active && setState({ me, status: "ready" }),
      (error: unknown) =>
        active && setState({ error: error instanceof Error ? error : new Error(String(error)), status: "error" }),
    );
    return () => {
      active = false;
    };
  }, []);
  return state;
}

export function can(me: Me, resource: string, permission: Permission): boolean {
  return me.permissions[resource]?.includes(permission) ?? false;
}

/** The signed-in user, for components rendered below the shell (which waits for it). */
export function useCurrentUser(): Me {
  return useOutletContext<Me>();
}
