/**
 * History of one DAG file: every saved revision (who, when, what), the diff between any two, and
 * restore (a new revision with the old content, validated like a save).
 */
import { Badge, Box, Button, Flex, Heading, HStack, Link, Spinner, Table, Text } from "@chakra-ui/react";
import { useEffect, useState } from "react";
import { Link as RouterLink, useParams } from "react-router-dom";

import { ApiError } from "../../api/client";
import { dagFiles, type Revision } from "../../api/dagFiles";
import { ActionOutcome } from "../../components/ActionOutcome";
import { ConfirmDialog, type ConfirmRequest } from "../../components/ConfirmDialog";
import { ErrorAlert } from "../../components/ErrorAlert";
import { PageHeader } from "../../components/PageHeader";
import { useAction } from "../../hooks/useAction";
import { useAppPath } from "../../hooks/useAppPath";
import { useAsync } from "../../hooks/useAsync";
import { can, useCurrentUser } from "../../hooks/useMe";
import { RESOURCES } from "../../nav";
import { formatTime } from "../../time";
import { DiffText } from "./DiffText";
import { refusalMessage, saveRefusal } from "./editorLogic";

/** The file's current revision, or null when it was deleted. */
async function currentRevision(name: string): Promise<string | null> {
  try {
    return (await dagFiles().get(name)).revision;
  } catch (error: unknown) {
    if (error instanceof ApiError && error.status === 404) {
      return null;
    }
    throw error;
  }
}

function Diff({ name, from, to }: { name: string; from: string; to: string }) {
  const diff = useAsync((signal) => dagFiles().diff(name, from, to, signal), [name, from, to]);
  if (diff.status === "error") {
    return <ErrorAlert error={diff.error} onRetry={diff.reload} testId="dag-history-diff-error" />;
  }
  if (diff.data === undefined) {
    return <Spinner data-testid="dag-history-diff-loading" />;
  }
  return <DiffText diff={diff.data.diff} testId="dag-history-diff" />;
}

const short = (commit: string) => commit.slice(0, 8);

export function HistoryPage() {
  const name = useParams()["*"] ?? "";
  const me = useCurrentUser();
  const canEdit = can(me, RESOURCES.dagFiles, "can_edit");
  const appPath = useAppPath();
  const history = useAsync((signal) => dagFiles().history(name, signal), [name]);
  const revisions: Revision[] = history.data?.revisions ?? [];
  const [from, setFrom] = useState<string | null>(null);
  const [to, setTo] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const action = useAction();

  // Compare the two newest revisions when the history arrives (or changes after a restore).
  const newest = revisions[0]?.commit;
  useEffect(() => {
    if (newest !== undefined) {
      setTo(newest);
      setFrom(revisions[1]?.commit ?? newest);
    }
  }, [newest]);

  const restore = (revision: Revision) =>
    setConfirm({
      action: async () => {
        try {
          await dagFiles().restore(name, revision.commit, await currentRevision(name));
        } catch (error: unknown) {
          throw new Error(refusalMessage(saveRefusal(error)));
        }
        history.reload();
        void action.run(async () => `Restored ${name} as it was in ${short(revision.commit)} (${formatTime(revision.time)}).`);
      },
      confirmLabel: "Restore",
      message: `Make the content of ${short(revision.commit)} (${formatTime(revision.time)}, ${revision.author ?? "unknown"}) the current ${name}? The current content stays in the history.`,
      title: "Restore revision",
    });

  return (
    <>
      <Link asChild colorPalette="blue" fontSize="sm">
        <RouterLink data-testid="dag-history-back" to={appPath("dag-files")}>
          ← All DAG files
        </RouterLink>
      </Link>
      <PageHeader
        actions={
          <Button asChild size="sm" variant="outline">
            <RouterLink data-testid="dag-history-edit" to={appPath(`dag-files/edit/${name}`)}>
              Open in editor
            </RouterLink>
          </Button>
        }
        description="Every save, upload, delete and restore of this file. Pick two revisions to compare."
        title="History"
      />
      <Heading as="h3" data-testid="dag-history-name" fontFamily="mono" mb={3} size="md">
        {name}
      </Heading>
      <ActionOutcome done={action.done} error={action.error} testId="dag-history" />
      {history.status === "error" ? <ErrorAlert error={history.error} onRetry={history.reload} testId="dag-history-error" /> : null}
      {history.data === undefined && history.status === "loading" ? <Spinner data-testid="dag-history-loading" /> : null}
      {history.data !== undefined && revisions.length === 0 ? (
        <Text color="fg.muted" data-testid="dag-history-empty">
          No saved revision of this file.
        </Text>
      ) : null}
      {revisions.length > 0 ? (
        <Table.ScrollArea borderWidth="1px" mb={4} rounded="md">
          <Table.Root data-testid="dag-history-table" size="sm">
            <Table.Header>
              <Table.Row>
                <Table.ColumnHeader title="Compare from">From</Table.ColumnHeader>
                <Table.ColumnHeader title="Compare to">To</Table.ColumnHeader>
                <Table.ColumnHeader>When</Table.ColumnHeader>
                <Table.ColumnHeader>Who</Table.ColumnHeader>
                <Table.ColumnHeader>Action</Table.ColumnHeader>
                <Table.ColumnHeader>Message</Table.ColumnHeader>
                <Table.ColumnHeader>Commit</Table.ColumnHeader>
                <Table.ColumnHeader />
              </Table.Row>
            </Table.Header>
            <Table.Body>
              {revisions.map((revision, index) => (
                <Table.Row data-testid="dag-history-row" data-commit={revision.commit} key={revision.commit}>
                  <Table.Cell>
                    <input
                      aria-label={`compare from ${short(revision.commit)}`}
                      checked={from === revision.commit}
                      data-testid={`dag-history-from-${index}`}
                      name="from"
                      onChange={() => setFrom(revision.commit)}
                      type="radio"
                    />
                  </Table.Cell>
                  <Table.Cell>
                    <input
                      aria-label={`compare to ${short(revision.commit)}`}
                      checked={to === revision.commit}
                      data-testid={`dag-history-to-${index}`}
                      name="to"
                      onChange={() => setTo(revision.commit)}
                      type="radio"
                    />
                  </Table.Cell>
                  <Table.Cell whiteSpace="nowrap">{formatTime(revision.time)}</Table.Cell>
                  <Table.Cell>{revision.author ?? "—"}</Table.Cell>
                  <Table.Cell>
                    <Badge colorPalette={revision.action === "delete" ? "red" : "gray"} variant="outline">
                      {revision.action}
                    </Badge>
                    {index === 0 ? (
                      <Badge colorPalette="green" ml={2} size="sm">
                        current
                      </Badge>
                    ) : null}
                  </Table.Cell>
                  <Table.Cell>{revision.message}</Table.Cell>
                  <Table.Cell fontFamily="mono" fontSize="xs" title={revision.commit}>
                    {short(revision.commit)}
                  </Table.Cell>
                  <Table.Cell>
                    {canEdit && revision.revision !== null && index > 0 ? (
                      <Button
                        data-testid={`dag-history-restore-${index}`}
                        onClick={() => restore(revision)}
                        size="xs"
                        variant="outline"
                      >
                        Restore
                      </Button>
                    ) : null}
                  </Table.Cell>
                </Table.Row>
              ))}
            </Table.Body>
          </Table.Root>
        </Table.ScrollArea>
      ) : null}
      {from !== null && to !== null ? (
        <Box>
          <Flex align="center" gap={2} mb={2}>
            <Heading as="h4" size="sm">
              Changes from {short(from)} to {short(to)}
            </Heading>
            <HStack />
          </Flex>
          {from === to ? (
            <Text color="fg.muted" data-testid="dag-history-same" fontSize="sm">
              {revisions.length === 1 ? "Only one revision so far." : "Pick two different revisions to see what changed."}
            </Text>
          ) : (
            <Diff from={from} name={name} to={to} />
          )}
        </Box>
      ) : null}
      <ConfirmDialog onClose={() => setConfirm(null)} request={confirm} />
    </>
  );
}
