/**
 * Shapes of the wfo REST API (`/wfo/api/v1`). The models come from the server's OpenAPI schema
 * (`schema.gen.ts`, regenerated with `npm run gen:api`); only what the schema does not describe (query
 * filters, error details, FAB permission names) is written here by hand.
 */
import type { components, paths } from "./schema.gen";

type Schemas = components["schemas"];

/**
 * An answer as the server sends it. FastAPI serialises every field of a response model, those with
 * defaults included, while the schema lists such fields as optional: in an answer none is missing.
 */
export type Answer<T> = T extends readonly (infer Item)[]
  ? Answer<Item>[]
  : T extends object
    ? { [Key in keyof T]-?: Answer<Exclude<T[Key], undefined>> }
    : T;

/** A response model of the API, as answered (see `Answer`). */
export type Model<Name extends keyof Schemas> = Answer<Schemas[Name]>;

/** A request body model of the API (fields with a server-side default may be left out). */
export type Body<Name extends keyof Schemas> = Schemas[Name];

/** Permission names Airflow's FAB auth manager uses for a resource. */
export type Permission = "can_read" | "can_edit" | "can_create" | "can_delete";

/** `permissions`: resource name (e.g. "WFO Audit Log") -> permissions the user holds on it. */
export type Me = Model<"MePublic">;

export type AuditEvent = Model<"AuditEventPublic">;
export type AuditEventPage = Model<"AuditEventPage">;
export type AuditActions = Model<"AuditActions">;

/** The query of an operation, without the `null`s a query string cannot carry. */
type QueryOf<Operation extends { parameters: { query?: object } }> = {
  [Key in keyof NonNullable<Operation["parameters"]["query"]>]?: Exclude<
    NonNullable<Operation["parameters"]["query"]>[Key],
    null
  >;
};

/** Query of `GET /audit/events` (`since`/`until`: ISO 8601, UTC). */
export type AuditFilter = QueryOf<paths["/api/v1/audit/events"]["get"]>;

export type VisualisationsLink = Model<"VisualisationsPublic">;
export type VisualisationsUpdate = Body<"VisualisationsUpdate">;

/**
 * Every member of a string union of the schema as a list, for selects: a member missing from the list
 * (the server added one) or unknown to the union fails to compile. `everyMember<Mode>()(["a", "b"])`.
 */
export function everyMember<Member extends string>() {
  return <const List extends readonly Member[]>(
    list: List & ([Exclude<Member, List[number]>] extends [never] ? unknown : never),
  ): readonly Member[] => list;
}
