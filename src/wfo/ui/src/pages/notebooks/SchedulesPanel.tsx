/**
 * The notebook schedules (DAG files under notebook_schedules/): when each runs, its DAG in Airflow, its runs
 * with their executed notebooks (rendered read-only, sandboxed), edit and delete.
 */
import { Badge, Button, Dialog, HStack, Portal, Table, Text } from "@chakra-ui/react";
import { useState } from "react";

import { notebooks, type NotebookSchedule } from "../../api/notebooks";
import { useConfirm } from "../../components/ConfirmDialog";
import { ErrorAlert } from "../../components/ErrorAlert";
import { useAsync } from "../../hooks/useAsync";
import { formatTime } from "../../time";
import { ScheduleDialog } from "./ScheduleDialog";

const COMMON = "common_workspace/";

/** The read-only view of a notebook given relative to the notebook root (a run's output). */
export function outputViewUrl(output: string): string {
  return output.startsWith(COMMON)
    ? notebooks().viewUrl("common", output.slice(COMMON.length))
    : notebooks().viewUrl("own", output);
}

export function RunsDialog({ notebook, onClose }: { notebook: string; onClose: () => void }) {
  const runs = useAsync((signal) => notebooks().runs(notebook, signal), [notebook]);
  return (
    <Dialog.Root onOpenChange={(details) => (details.open ? undefined : onClose())} open size="lg">
      <Portal>
        <Dialog.Backdrop />
        <Dialog.Positioner>
          <Dialog.Content data-testid="runs-dialog">
            <Dialog.Header>
              <Dialog.Title>Runs of {notebook}</Dialog.Title>
            </Dialog.Header>
            <Dialog.Body>
              {runs.status === "error" ? <ErrorAlert error={runs.error} /> : null}
              {runs.data?.runs.length === 0 ? <Text color="fg.muted">No runs yet.</Text> : null}
              <Table.Root size="sm">
                <Table.Body>
                  {(runs.data?.runs ?? []).map((run) => (
                    <Table.Row data-testid="notebook-run" key={run.dag_run_id}>
                      <Table.Cell fontFamily="mono" fontSize="xs">
                        {run.dag_run_id}
                      </Table.Cell>
                      <Table.Cell>
                        <Badge colorPalette={run.state === "success" ? "green" : run.state === "failed" ? "red" : "gray"}>{run.state}</Badge>
                      </Table.Cell>
                      <Table.Cell>
                        <Button asChild size="xs" variant="ghost">
                          <a data-testid={`run-output-${run.dag_run_id}`} href={outputViewUrl(run.output)} rel="noopener noreferrer" target="_blank">
                            View output
                          </a>
                        </Button>
                      </Table.Cell>
                    </Table.Row>
                  ))}
                </Table.Body>
              </Table.Root>
            </Dialog.Body>
            <Dialog.Footer>
              <Button onClick={runs.reload} size="sm" variant="outline">
                Refresh
              </Button>
              <Button onClick={onClose} size="sm">
                Close
              </Button>
            </Dialog.Footer>
          </Dialog.Content>
        </Dialog.Positioner>
      </Portal>
    </Dialog.Root>
  );
}

export function SchedulesPanel({ canWrite }: { canWrite: boolean }) {
  const listed = useAsync((signal) => notebooks().schedules(signal), []);
  const [editing, setEditing] = useState<NotebookSchedule | null>(null);
  const [runsOf, setRunsOf] = useState<string | null>(null);
  const confirm = useConfirm();
  const remove = (schedule: NotebookSchedule) =>
    confirm.ask({
      action: async () => {
        await notebooks().unschedule(schedule.dag_id);
        listed.reload();
      },
      confirmLabel: "Delete schedule",
      message: `Delete the schedule of ${schedule.notebook}? Its DAG file is deleted (its history stays); outputs of past runs stay.`,
      title: "Delete schedule",
    });
  return (
    <>
      {listed.status === "error" ? <ErrorAlert error={listed.error} /> : null}
      {listed.data?.schedules.length === 0 ? (
        <Text color="fg.muted" data-testid="schedules-empty">
          No notebook is scheduled: use Schedule on a notebook of common_workspace.
        </Text>
      ) : null}
      <Table.Root data-testid="schedules" size="sm">
        <Table.Body>
          {(listed.data?.schedules ?? []).map((s) => (
            <Table.Row data-testid="schedule-row" key={s.dag_id}>
              <Table.Cell>{s.notebook}</Table.Cell>
              <Table.Cell fontFamily="mono">{s.schedule}</Table.Cell>
              <Table.Cell color="fg.muted">{s.next_runs.length > 0 ? `next ${formatTime(s.next_runs[0])}` : ""}</Table.Cell>
              <Table.Cell>
                <HStack gap={1}>
                  <Button asChild size="xs" variant="ghost">
                    <a href={s.dag_url}>DAG</a>
                  </Button>
                  <Button onClick={() => setRunsOf(s.notebook)} size="xs" variant="ghost">
                    Runs
                  </Button>
                  {canWrite ? (
                    <>
                      <Button onClick={() => setEditing(s)} size="xs" variant="ghost">
                        Edit
                      </Button>
                      <Button colorPalette="red" onClick={() => remove(s)} size="xs" variant="ghost">
                        Delete
                      </Button>
                    </>
                  ) : null}
                </HStack>
              </Table.Cell>
            </Table.Row>
          ))}
        </Table.Body>
      </Table.Root>
      {editing !== null ? (
        <ScheduleDialog
          existing={editing}
          notebook={editing.notebook}
          onClose={() => {
            setEditing(null);
            listed.reload();
          }}
        />
      ) : null}
      {runsOf !== null ? <RunsDialog notebook={runsOf} onClose={() => setRunsOf(null)} /> : null}
      {confirm.dialog}
    </>
  );
}
