/**
 * SLA misses (the manual's Browse → SLA Misses): task instances that had not succeeded within their
 * `sla=` of the DAG run's start, filtered by DAG, task, time and notification, each with a note
 * ("analyzed and documented") and a link to the task instance in Airflow's grid.
 */
import { Badge, Box, Button, Field, Flex, HStack, Input, Link, NativeSelect, Spinner, Table, Text, Textarea } from "@chakra-ui/react";
import { useState, type FormEvent } from "react";
import { Link as RouterLink, useSearchParams } from "react-router-dom";

import { slaMisses, type SlaMiss, type SlaMissFilters } from "../api/slaMisses";
import { ActionOutcome } from "../components/ActionOutcome";
import { DataTable, TimeCell } from "../components/DataTable";
import { ErrorAlert } from "../components/ErrorAlert";
import { PageHeader } from "../components/PageHeader";
import { useAsync } from "../hooks/useAsync";
import { can, useCurrentUser } from "../hooks/useMe";
import { RESOURCES } from "../nav";
import { isoToLocalInput, localInputToIso } from "../time";

const EMPTY: SlaMissFilters = { dag_id: "", notified: "", since: "", task_id: "", until: "" };

function readFilters(params: URLSearchParams): SlaMissFilters {
  return {
    dag_id: params.get("dag_id") ?? "",
    notified: params.get("notified") ?? "",
    since: params.get("since") ?? "",
    task_id: params.get("task_id") ?? "",
    until: params.get("until") ?? "",
  };
}

function toParams(filters: SlaMissFilters): Record<string, string> {
  return Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== ""));
}

function FilterForm({ initial, onApply }: { initial: SlaMissFilters; onApply: (filters: SlaMissFilters) => void }) {
  const [draft, setDraft] = useState({ ...initial, since: isoToLocalInput(initial.since), until: isoToLocalInput(initial.until) });
  const since = localInputToIso(draft.since);
  const until = localInputToIso(draft.until);
  const rangeError = since !== "" && until !== "" && since > until ? "“From” must be before “To”." : null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (rangeError === null) {
      onApply({ dag_id: draft.dag_id.trim(), notified: draft.notified, since, task_id: draft.task_id.trim(), until });
    }
  };
  const reset = () => {
    setDraft(EMPTY);
    onApply(EMPTY);
  };
  const text = (key: "dag_id" | "task_id", label: string) => (
    <Field.Root maxW="14rem">
      <Field.Label>{label}</Field.Label>
      <Input
        data-testid={`sla-filter-${key}`}
        onChange={(event) => setDraft({ ...draft, [key]: event.target.value })}
        placeholder="any"
        size="sm"
        value={draft[key]}
      />
    </Field.Root>
  );
  const time = (key: "since" | "until", label: string) => (
    <Field.Root invalid={rangeError !== null} maxW="14rem">
      <Field.Label>{label}</Field.Label>
      <Input
        data-testid={`sla-filter-${key}`}
        onChange={(event) => setDraft({ ...draft, [key]: event.target.value })}
        size="sm"
        type="datetime-local"
        value={draft[key]}
      />
    </Field.Root>
  );
  return (
    <Box as="form" mb={4} onSubmit={submit}>
      <Flex align="flex-end" gap={3} wrap="wrap">
        {text("dag_id", "DAG")}
        {text("task_id", "Task")}
        {time("since", "Detected from")}
        {time("until", "To")}
        <Field.Root maxW="10rem">
          <Field.Label>Notified</Field.Label>
          <NativeSelect.Root size="sm">
            <NativeSelect.Field
              data-testid="sla-filter-notified"
              onChange={(event) => setDraft({ ...draft, notified: event.target.value })}
              value={draft.notified}
            >
              <option value="">Any</option>
              <option value="true">Notified</option>
              <option value="false">Not notified</option>
            </NativeSelect.Field>
            <NativeSelect.Indicator />
          </NativeSelect.Root>
        </Field.Root>
        <HStack>
          <Button data-testid="sla-filter-apply" size="sm" type="submit">
            Apply
          </Button>
          <Button onClick={reset} size="sm" variant="outline">
            Reset
          </Button>
        </HStack>
      </Flex>
      {rangeError ? (
        <Text color="fg.error" fontSize="sm" mt={1}>
          {rangeError}
        </Text>
      ) : null}
    </Box>
  );
}

function NoteCell({ miss, canEdit, onSaved }: { miss: SlaMiss; canEdit: boolean; onSaved: (miss: SlaMiss) => void }) {
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const save = async () => {
    setSaving(true);
    try {
      onSaved(await slaMisses().setNote(miss.id, draft ?? ""));
      setDraft(null);
      setError(null);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setSaving(false);
    }
  };
  if (draft !== null) {
    return (
      <Table.Cell minW="16rem">
        <Textarea
          aria-label={`Note on ${miss.task_id}`}
          data-testid={`sla-note-input-${miss.id}`}
          onChange={(event) => setDraft(event.target.value)}
          rows={3}
          size="sm"
          value={draft}
        />
        <HStack mt={1}>
          <Button data-testid={`sla-note-save-${miss.id}`} loading={saving} onClick={() => void save()} size="xs">
            Save
          </Button>
          <Button onClick={() => setDraft(null)} size="xs" variant="outline">
            Cancel
          </Button>
        </HStack>
        <ActionOutcome done={null} error={error} testId={`sla-note-error-${miss.id}`} />
      </Table.Cell>
    );
  }
  return (
    <Table.Cell minW="12rem">
      <Text data-testid={`sla-note-${miss.id}`} fontSize="sm" whiteSpace="pre-wrap">
        {miss.note ?? ""}
      </Text>
      {miss.note_updated_by ? (
        <Text color="fg.muted" fontSize="xs">
          by {miss.note_updated_by}
        </Text>
      ) : null}
      {canEdit ? (
        <Button data-testid={`sla-note-edit-${miss.id}`} mt={1} onClick={() => setDraft(miss.note ?? "")} size="xs" variant="ghost">
          {miss.note ? "Edit note" : "Add note"}
        </Button>
      ) : null}
    </Table.Cell>
  );
}

export function SlaMissesPage() {
  const me = useCurrentUser();
  const canEdit = can(me, RESOURCES.slaMisses, "can_edit");
  const [params, setParams] = useSearchParams();
  const filters = readFilters(params);
  const key = JSON.stringify(filters);
  const [edited, setEdited] = useState<Record<number, SlaMiss>>({});
  const loaded = useAsync((signal) => slaMisses().list(filters, signal), [key]);
  const misses = (loaded.data?.misses ?? []).map((miss) => edited[miss.id] ?? miss);

  return (
    <Box>
      <PageHeader
        description="Task instances that had not succeeded within their sla= of the DAG run's start. Only DAGs you may read are listed."
        title="SLA misses"
      />
      <FilterForm initial={filters} key={key} onApply={(next) => setParams(toParams(next))} />
      {loaded.status === "error" ? <ErrorAlert error={loaded.error} onRetry={loaded.reload} testId="sla-misses-error" /> : null}
      {loaded.status === "loading" && loaded.data === undefined ? <Spinner /> : null}
      {loaded.data !== undefined && misses.length === 0 ? (
        <Text color="fg.muted" data-testid="sla-misses-empty">
          No SLA misses match.
        </Text>
      ) : null}
      {misses.length > 0 ? (
        <DataTable
          columns={["DAG", "Task", "Run", { end: true, label: "SLA" }, "Expected by", "Detected at", "State then", "Notified", "Note"]}
          testId="sla-misses-table"
        >
          {misses.map((miss) => (
            <Table.Row data-testid={`sla-miss-${miss.dag_id}-${miss.task_id}`} key={miss.id}>
              <Table.Cell fontFamily="mono">{miss.dag_id}</Table.Cell>
              <Table.Cell fontFamily="mono">
                <Link asChild color="fg.info">
                  <RouterLink data-testid={`sla-grid-link-${miss.id}`} title="Open in Airflow's grid" to={miss.grid_url}>
                    {miss.task_id || "(DAG deadline)"}
                  </RouterLink>
                </Link>
              </Table.Cell>
              <Table.Cell fontFamily="mono" fontSize="xs">
                {miss.run_id}
              </Table.Cell>
              <Table.Cell textAlign="end">{miss.sla_seconds} s</Table.Cell>
              <TimeCell time={miss.expected_by} />
              <TimeCell time={miss.detected_at} />
              <Table.Cell>{miss.state_at_detection ?? "not started"}</Table.Cell>
              <Table.Cell title={miss.notification ?? ""}>
                <Badge colorPalette={miss.notified ? "green" : "gray"}>{miss.notified ? "yes" : "no"}</Badge>
              </Table.Cell>
              <NoteCell canEdit={canEdit} miss={miss} onSaved={(saved) => setEdited({ ...edited, [saved.id]: saved })} />
            </Table.Row>
          ))}
        </DataTable>
      ) : null}
    </Box>
  );
}
