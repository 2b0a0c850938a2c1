/**
 * History of one DAG file: every saved revision (who, when, what), the diff between any two, and
 * restore (a new revision with the old content, validated like a save).
 */
import { Badge, Box, Button, Flex, Heading, HStack, Spinner, Table, Text } from "@chakra-ui/react";
import { useState } from "react";
import { Link as RouterLink, useParams } from "react-router-dom";

import { currentRevision, dagFiles, type Revision } from "../../api/dagFiles";
import { ActionOutcome } from "../../components/ActionOutcome";
import { useConfirm } from "../../components/ConfirmDialog";
import { DataTable, TimeCell } from "../../components/DataTable";
import { ErrorAlert } from "../../components/ErrorAlert";
import { LoadState } from "../../components/LoadState";
import { ItemPageHeader } from "../../components/PageHeader";
import { useAction } from "../../hooks/useAction";
import { useAppPath } from "../../hooks/useAppPath";
import { useAsync } from "../../hooks/useAsync";
import { can, useCurrentUser } from "../../hooks/useMe";
import { RESOURCES } from "../../nav";
import { formatTime } from "../../time";
import { DiffText } from "./DiffText";
import { explainRefusal } from "./editorLogic";

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

/** One end of the comparison ("from" or "to"): a radio per revision row. */
function CompareRadio({
  end,
  index,
  commit,
  selected,
  onSelect,
}: {
  end: "from" | "to";
  index: number;
  commit: string;
  selected: string | null;
  onSelect: (commit: string) => void;
}) {
  return (
    <Table.Cell>
      <input
        aria-label={`compare ${end} ${short(commit)}`}
        checked={selected === commit}
        data-testid={`dag-history-${end}-${index}`}
        name={end}
        onChange={() => onSelect(commit)}
        type="radio"
      />
    </Table.Cell>
  );
}

export function HistoryPage() {
  const name = useParams()["*"] ?? "";
  const me = useCurrentUser();
  const canEdit = can(me, RESOURCES.dagFiles, "can_edit");
  const appPath = useAppPath();
  const [from, setFrom] = useState<string | null>(null);
  const [to, setTo] = useState<string | null>(null);
  // Compare the two newest revisions when the history arrives (or changes after a restore).
  const history = useAsync((signal) => dagFiles().history(name, signal), [name], ({ revisions: loaded }) => {
    setTo(loaded[0]?.commit ?? null);
    setFrom(loaded[1]?.commit ?? loaded[0]?.commit ?? null);
  });
  const revisions: Revision[] = history.data?.revisions ?? [];
  const confirm = useConfirm();
  const action = useAction();

  const restore = (revision: Revision) =>
    confirm.ask({
      action: async () => {
        await explainRefusal(async () => dagFiles().restore(name, revision.commit, await currentRevision(name)));
        history.reload();
        void action.run(async () => `Restored ${name} as it was in ${short(revision.commit)} (${formatTime(revision.time)}).`);
      },
      confirmLabel: "Restore",
      message: `Make the content of ${short(revision.commit)} (${formatTime(revision.time)}, ${revision.author ?? "unknown"}) the current ${name}? The current content stays in the history.`,
      title: "Restore revision",
    });

  return (
    <>
      <ItemPageHeader
        actions={
          <Button asChild size="sm" variant="outline">
            <RouterLink data-testid="dag-history-edit" to={appPath(`dag-files/edit/${name}`)}>
              Open in editor
            </RouterLink>
          </Button>
        }
        back={{ label: "← All DAG files", testId: "dag-history-back", to: appPath("dag-files") }}
        description="Every save, upload, delete and restore of this file. Pick two revisions to compare."
        name={name}
        nameTestId="dag-history-name"
        title="History"
      />
      <ActionOutcome done={action.done} error={action.error} testId="dag-history" />
      <LoadState
        empty="No saved revision of this file."
        emptyProps={{}}
        emptyTestId="dag-history-empty"
        errorTestId="dag-history-error"
        items={history.data?.revisions}
        loaded={history}
        loadingTestId="dag-history-loading"
      />
      {revisions.length > 0 ? (
        <DataTable
          columns={[
            { label: "From", title: "Compare from" },
            { label: "To", title: "Compare to" },
            "When",
            "Who",
            "Action",
            "Message",
            "Commit",
            "",
          ]}
          mb={4}
          testId="dag-history-table"
        >
          {revisions.map((revision, index) => (
            <Table.Row data-testid="dag-history-row" data-commit={revision.commit} key={revision.commit}>
              <CompareRadio commit={revision.commit} end="from" index={index} onSelect={setFrom} selected={from} />
              <CompareRadio commit={revision.commit} end="to" index={index} onSelect={setTo} selected={to} />
              <TimeCell time={revision.time} />
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
                  <Button data-testid={`dag-history-restore-${index}`} onClick={() => restore(revision)} size="xs" variant="outline">
                    Restore
                  </Button>
                ) : null}
              </Table.Cell>
            </Table.Row>
          ))}
        </DataTable>
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
      {confirm.dialog}
    </>
  );
}
