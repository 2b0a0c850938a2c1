/**
 * Manage DAGs: the files of the DAGs folder with the DAGs each defines and whether Airflow loaded
 * it; search by name or DAG id; upload (with a per-file report), create, delete, history.
 */
import { Badge, Button, Flex, HStack, Link, Table, Text } from "@chakra-ui/react";
import { useEffect, useState } from "react";
import { Link as RouterLink, useNavigate } from "react-router-dom";

import { airflowDagPath, dagFiles, type DagFileSummary, type UploadReport as Report } from "../../api/dagFiles";
import { ActionOutcome } from "../../components/ActionOutcome";
import { useConfirm } from "../../components/ConfirmDialog";
import { ActionsCell, LinkCell, SizeCell, TimeCell } from "../../components/DataTable";
import { PageHeader } from "../../components/PageHeader";
import { DeleteButton } from "../../components/RowActions";
import { SearchableTable } from "../../components/SearchableTable";
import { UploadButton } from "../../components/UploadButton";
import { useAction } from "../../hooks/useAction";
import { useAppPath } from "../../hooks/useAppPath";
import { useAsync } from "../../hooks/useAsync";
import { useDebouncedSearch } from "../../hooks/useDebouncedSearch";
import { can, useCurrentUser } from "../../hooks/useMe";
import { RESOURCES } from "../../nav";
import { explainRefusal } from "./editorLogic";
import { NewDagDialog } from "./NewDagDialog";
import { UploadReport } from "./UploadReport";

const STATE_PALETTE = { error: "red", ok: "green", pending: "gray" } as const;

function StateBadge({ file }: { file: DagFileSummary }) {
  return (
    <>
      <Badge colorPalette={STATE_PALETTE[file.state] ?? "gray"} data-testid={`dag-file-state-${file.name}`} title={file.error ?? undefined}>
        {file.state}
      </Badge>
      {file.state === "error" && file.error ? (
        <Text
          color="red.fg"
          data-testid={`dag-file-error-${file.name}`}
          fontFamily="mono"
          fontSize="xs"
          lineClamp={3}
          mt={1}
          title={file.error}
          whiteSpace="pre-wrap"
        >
          {file.error}
        </Text>
      ) : null}
    </>
  );
}

export function DagFileListPage() {
  const me = useCurrentUser();
  const canCreate = can(me, RESOURCES.dagFiles, "can_create") || can(me, RESOURCES.dagFiles, "can_edit");
  const canEdit = can(me, RESOURCES.dagFiles, "can_edit");
  const canDelete = can(me, RESOURCES.dagFiles, "can_delete");
  const appPath = useAppPath();
  const navigate = useNavigate();
  const { search, setSearch, query } = useDebouncedSearch();
  const confirm = useConfirm();
  const [creating, setCreating] = useState(false);
  const [report, setReport] = useState<Report | null>(null);
  const upload = useAction();

  const loaded = useAsync((signal) => dagFiles().list(query, signal), [query]);
  const files = loaded.data?.files;

  // Airflow parses a saved or uploaded file within seconds: look again while some are pending.
  const pending = loaded.status === "success" && (files ?? []).some((file) => file.state === "pending");
  const { reload } = loaded;
  useEffect(() => {
    if (!pending) {
      return;
    }
    const timer = setTimeout(reload, 5000);
    return () => clearTimeout(timer);
  }, [pending, files, reload]);
  const editPath = (name: string) => appPath(`dag-files/edit/${name}`);

  const onFiles = (picked: File[]) =>
    void upload.run(async () => {
      setReport(null);
      const result = await dagFiles().upload(picked);
      setReport(result);
      loaded.reload();
      const accepted = result.added.length + result.changed.length;
      return result.rejected.length === 0 ? `Uploaded ${accepted} file(s); ${result.unchanged.length} unchanged.` : null;
    });

  const remove = (file: DagFileSummary) =>
    confirm.ask({
      action: async () => {
        await explainRefusal(() => dagFiles().remove(file.name, file.revision));
        loaded.reload();
      },
      confirmLabel: "Delete file",
      message: `Delete ${file.name}${file.dag_ids.length > 0 ? ` and with it the DAG(s) ${file.dag_ids.join(", ")}` : ""}? Its history is kept and it can be restored.`,
      title: "Delete DAG file",
    });

  return (
    <>
      <PageHeader
        actions={
          canCreate ? (
            <HStack gap={2}>
              <UploadButton accept=".py,text/x-python" busy={upload.busy} label="Upload DAG file(s)" onFiles={onFiles} testId="dag-upload" />
              <Button data-testid="dag-create" onClick={() => setCreating(true)} size="sm" variant="outline">
                Create new DAG
              </Button>
            </HStack>
          ) : null
        }
        description="The Python files of the DAGs folder. Uploads and saves are checked first and kept in the folder's history."
        title="Manage DAGs"
      />
      <ActionOutcome done={upload.done} error={upload.error} testId="dag-upload" />
      {report !== null ? (
        <UploadReport canEdit={canEdit} onClose={() => setReport(null)} onSaved={loaded.reload} report={report} />
      ) : null}
      <SearchableTable
        columns={["File name", "Last modified", { end: true, label: "Size" }, "DAGs", "Parse state", ""]}
        empty={query === "" ? "The DAGs folder is empty." : "No file or DAG matches this search."}
        items={files}
        loaded={loaded}
        row={(file) => (
          <Table.Row data-testid={`dag-file-row-${file.name}`} key={file.name}>
            <LinkCell testId={`dag-file-link-${file.name}`} to={editPath(file.name)}>
              {file.name}
            </LinkCell>
            <TimeCell time={file.modified} />
            <SizeCell bytes={file.size} />
            <Table.Cell>
              <Flex direction="column" gap={0}>
                {file.dag_ids.map((dagId) => (
                  <Link asChild colorPalette="blue" fontFamily="mono" fontSize="sm" key={dagId}>
                    <RouterLink data-testid={`dag-link-${dagId}`} to={airflowDagPath(dagId)}>
                      {dagId}
                    </RouterLink>
                  </Link>
                ))}
              </Flex>
            </Table.Cell>
            <Table.Cell maxW="28rem">
              <StateBadge file={file} />
            </Table.Cell>
            <ActionsCell>
              <Button asChild size="xs" variant="ghost">
                <RouterLink data-testid={`dag-file-edit-${file.name}`} to={editPath(file.name)}>
                  {canEdit ? "Edit" : "View"}
                </RouterLink>
              </Button>
              <Button asChild size="xs" variant="ghost">
                <RouterLink data-testid={`dag-file-history-${file.name}`} to={appPath(`dag-files/history/${file.name}`)}>
                  History
                </RouterLink>
              </Button>
              {canDelete ? <DeleteButton onClick={() => remove(file)} testId={`dag-file-delete-${file.name}`} /> : null}
            </ActionsCell>
          </Table.Row>
        )}
        search={{ onChange: setSearch, placeholder: "Search file name or DAG id", testId: "dag-file-search", value: search }}
        testId="dag-files"
      />
      <NewDagDialog
        exists={(name) => (files ?? []).some((file) => file.name === name)}
        onClose={() => setCreating(false)}
        onSubmit={(name) => {
          setCreating(false);
          navigate(`${editPath(name)}?new=1`);
        }}
        open={creating}
      />
      {confirm.dialog}
    </>
  );
}
