/** Shapes of the wfo REST API (`/wfo/api/v1`), as the pages use them. */

/** Permission names Airflow's FAB auth manager uses for a resource. */
export type Permission = "can_read" | "can_edit" | "can_create" | "can_delete";

export interface Me {
  username: string;
  roles: string[];
  /** Resource name (e.g. "WFO Audit Log") -> permissions the user holds on it. */
  permissions: Record<string, string[]>;
}

export interface AuditEvent {
  id: number | string;
  /** ISO 8601, UTC. */
  time: string;
  user: string | null;
  action: string;
  object_type: string | null;
  object_id: string | null;
  outcome: string;
  source_ip: string | null;
  details: unknown;
}

export interface AuditEventPage {
  total: number;
  events: AuditEvent[];
}

export interface AuditFilter {
  user?: string;
  action?: string;
  /** ISO 8601 UTC bounds. */
  since?: string;
  until?: string;
  offset?: number;
  limit?: number;
}

export interface AuditActions {
  actions: string[];
}

export interface VisualisationsLink {
  url: string | null;
  updated_by: string | null;
  updated_at: string | null;
}
