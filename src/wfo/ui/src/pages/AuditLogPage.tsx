/** Audit log: wfo's own events (who changed what, when, from where), filtered and paged. */
import {
  Badge,
  Box,
  Button,
  Field,
  Flex,
  HStack,
  Input,
  Link,
  NativeSelect,
  Spinner,
  Table,
  Text,
} from "@chakra-ui/react";
import { useState, type FormEvent } from "react";
import { Link as RouterLink, useSearchParams } from "react-router-dom";

import { api } from "../api/client";
import type { AuditEvent } from "../api/types";
import { ErrorAlert } from "../components/ErrorAlert";
import { PageHeader } from "../components/PageHeader";
import { useAsync } from "../hooks/useAsync";
import { formatTime, isoToLocalInput, localInputToIso } from "../time";
import { actionOptions, LOGINS_FILTER } from "./auditFilters";

export const PAGE_SIZE = 50;

/** Filters kept in the URL, so a filtered view can be bookmarked, shared and restored by "back". */
interface Filters {
  user: string;
  action: string;
  since: string;
  until: string;
}

function readFilters(params: URLSearchParams): Filters {
  return {
    action: params.get("action") ?? "",
    since: params.get("since") ?? "",
    until: params.get("until") ?? "",
    user: params.get("user") ?? "",
  };
}

function readOffset(params: URLSearchParams): number {
  const offset = Number.parseInt(params.get("offset") ?? "0", 10);
  return Number.isFinite(offset) && offset > 0 ? offset : 0;
}

function toParams(filters: Filters, offset: number): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(filters)) {
    if (value !== "") {
      params[key] = value;
    }
  }
  if (offset > 0) {
    params.offset = String(offset);
  }
  return params;
}

function outcomePalette(outcome: string): string {
  const value = outcome.toLowerCase();
  if (["success", "succeeded", "ok", "allowed"].includes(value)) {
    return "green";
  }
  if (["failure", "failed", "error", "denied", "forbidden"].includes(value)) {
    return "red";
  }
  return "gray";
}

function detailsText(details: unknown): string {
  if (details === null || details === undefined) {
    return "";
  }
  return typeof details === "string" ? details : JSON.stringify(details);
}

function FilterForm({ actions, initial, onApply }: { actions: string[]; initial: Filters; onApply: (filters: Filters) => void }) {
  // The inputs edit a draft; nothing is fetched until "Apply" (or Enter).
  const [draft, setDraft] = useState({
    ...initial,
    since: isoToLocalInput(initial.since),
    until: isoToLocalInput(initial.until),
  });
  const since = localInputToIso(draft.since);
  const until = localInputToIso(draft.until);
  const rangeError = since !== "" && until !== "" && since > until ? "“From” must be before “To”." : null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (rangeError === null) {
      onApply({ action: draft.action, since, until, user: draft.user.trim() });
    }
  };
  const reset = () => {
    setDraft({ action: "", since: "", until: "", user: "" });
    onApply({ action: "", since: "", until: "", user: "" });
  };

  return (
    <Box as="form" mb={4} onSubmit={submit}>
      <Flex align="flex-end" gap={3} wrap="wrap">
        <Field.Root maxW="12rem">
          <Field.Label>User</Field.Label>
          <Input
            data-testid="audit-filter-user"
            onChange={(event) => setDraft({ ...draft, user: event.target.value })}
            placeholder="any user"
            size="sm"
            value={draft.user}
          />
        </Field.Root>
        <Field.Root maxW="14rem">
          <Field.Label>Action</Field.Label>
          <NativeSelect.Root size="sm">
            <NativeSelect.Field
              data-testid="audit-filter-action"
              onChange={(event) => setDraft({ ...draft, action: event.target.value })}
              value={draft.action}
            >
              <option value="">All actions</option>
              {actionOptions(actions, draft.action).map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </NativeSelect.Field>
            <NativeSelect.Indicator />
          </NativeSelect.Root>
        </Field.Root>
        <Field.Root invalid={rangeError !== null} maxW="14rem">
          <Field.Label>From</Field.Label>
          <Input
            data-testid="audit-filter-since"
            onChange={(event) => setDraft({ ...draft, since: event.target.value })}
            size="sm"
            type="datetime-local"
            value={draft.since}
          />
        </Field.Root>
        <Field.Root invalid={rangeError !== null} maxW="14rem">
          <Field.Label>To</Field.Label>
          <Input
            data-testid="audit-filter-until"
            onChange={(event) => setDraft({ ...draft, until: event.target.value })}
            size="sm"
            type="datetime-local"
            value={draft.until}
          />
        </Field.Root>
        <HStack gap={2}>
          <Button colorPalette="brand" data-testid="audit-filter-apply" disabled={rangeError !== null} size="sm" type="submit">
            Apply
          </Button>
          <Button data-testid="audit-filter-reset" onClick={reset} size="sm" variant="outline">
            Reset
          </Button>
          <Button
            data-testid="audit-filter-logins"
            onClick={() => {
              setDraft({ action: LOGINS_FILTER, since: "", until: "", user: "" });
              onApply({ action: LOGINS_FILTER, since: "", until: "", user: "" });
            }}
            size="sm"
            variant="ghost"
          >
            Logins
          </Button>
        </HStack>
      </Flex>
      {rangeError === null ? null : (
        <Text color="fg.error" data-testid="audit-filter-error" fontSize="sm" mt={2}>
          {rangeError}
        </Text>
      )}
    </Box>
  );
}

function EventRow({ event }: { event: AuditEvent }) {
  const object = [event.object_type, event.object_id].filter(Boolean).join(" ");
  const details = detailsText(event.details);
  return (
    <Table.Row data-testid="audit-row">
      <Table.Cell title={event.time} whiteSpace="nowrap">
        {formatTime(event.time)}
      </Table.Cell>
      <Table.Cell>{event.user ?? "—"}</Table.Cell>
      <Table.Cell>
        <Badge variant="outline">{event.action}</Badge>
      </Table.Cell>
      <Table.Cell>{object || "—"}</Table.Cell>
      <Table.Cell>
        <Badge colorPalette={outcomePalette(event.outcome)}>{event.outcome}</Badge>
      </Table.Cell>
      <Table.Cell fontFamily="mono" fontSize="xs">
        {event.source_ip ?? "—"}
      </Table.Cell>
      <Table.Cell maxW="20rem" title={details}>
        <Text fontSize="xs" truncate>
          {details}
        </Text>
      </Table.Cell>
    </Table.Row>
  );
}

export function AuditLogPage() {
  const [params, setParams] = useSearchParams();
  const filters = readFilters(params);
  const offset = readOffset(params);

  const actions = useAsync((signal) => api().listAuditActions(signal), []);
  const page = useAsync(
    (signal) => api().listAuditEvents({ ...filters, limit: PAGE_SIZE, offset }, signal),
    [filters.user, filters.action, filters.since, filters.until, offset],
  );

  const events = page.data?.events ?? [];
  const total = page.data?.total ?? 0;
  const first = events.length === 0 ? 0 : offset + 1;
  const last = offset + events.length;

  return (
    <>
      <PageHeader
        actions={
          <Link asChild color="fg.info" fontSize="sm">
            <RouterLink data-testid="airflow-audit-log-link" to="/events">
              Airflow audit log
            </RouterLink>
          </Link>
        }
        description="Every change made through wfo, and every login and logout: who, what, when, and from which address. Airflow's own events (runs, triggers) are in the Airflow audit log."
        title="Audit log"
      />
      <FilterForm
        actions={actions.data?.actions ?? []}
        initial={filters}
        // Re-create the draft when the URL changes from outside (back/forward, a link).
        key={params.toString()}
        onApply={(next) => setParams(toParams(next, 0))}
      />
      {page.status === "error" ? <ErrorAlert error={page.error} onRetry={page.reload} testId="audit-error" /> : null}
      {page.status === "loading" && page.data === undefined ? <Spinner data-testid="audit-loading" /> : null}
      {page.data !== undefined && events.length === 0 && page.status !== "error" ? (
        <Text color="fg.muted" data-testid="audit-empty" py={6}>
          No audit events match these filters.
        </Text>
      ) : null}
      {events.length > 0 ? (
        <Table.ScrollArea borderWidth="1px" rounded="md">
          <Table.Root aria-busy={page.status === "loading"} data-testid="audit-table" size="sm" striped>
            <Table.Header>
              <Table.Row>
                <Table.ColumnHeader>Time</Table.ColumnHeader>
                <Table.ColumnHeader>User</Table.ColumnHeader>
                <Table.ColumnHeader>Action</Table.ColumnHeader>
                <Table.ColumnHeader>Object</Table.ColumnHeader>
                <Table.ColumnHeader>Outcome</Table.ColumnHeader>
                <Table.ColumnHeader>Source IP</Table.ColumnHeader>
                <Table.ColumnHeader>Details</Table.ColumnHeader>
              </Table.Row>
            </Table.Header>
            <Table.Body>
              {events.map((event) => (
                <EventRow event={event} key={event.id} />
              ))}
            </Table.Body>
          </Table.Root>
        </Table.ScrollArea>
      ) : null}
      {page.data !== undefined && total > 0 ? (
        <Flex align="center" gap={3} justify="flex-end" mt={3}>
          {page.status === "loading" ? <Spinner size="sm" /> : null}
          <Text data-testid="audit-range" fontSize="sm">
            {first}–{last} of {total}
          </Text>
          <Button
            data-testid="audit-prev"
            disabled={offset === 0}
            onClick={() => setParams(toParams(filters, Math.max(0, offset - PAGE_SIZE)))}
            size="sm"
            variant="outline"
          >
            Previous
          </Button>
          <Button
            data-testid="audit-next"
            disabled={offset + PAGE_SIZE >= total}
            onClick={() => setParams(toParams(filters, offset + PAGE_SIZE))}
            size="sm"
            variant="outline"
          >
            Next
          </Button>
        </Flex>
      ) : null}
    </>
  );
}
