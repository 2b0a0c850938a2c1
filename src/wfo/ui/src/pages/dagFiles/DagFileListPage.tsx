/**
 * Manage DAGs: the files of the DAGs folder with the DAGs each defines and whether Airflow loaded
 * it; search by name or DAG id; upload (with a per-file report), create, delete, history.
 */
import { Badge, Button, Flex, HStack, Link, Spinner, Table, Text } from "@chakra-ui/react";
import { useEffect, useState } from "react";
import { Link as RouterLink, useNavigate } from "react-router-dom";

import { airflowDagPath, dagFiles, type DagFileSummary, type UploadReport as Report } from "../../api/dagFiles";
import { ActionOutcome } from "../../components/ActionOutcome";
import { ConfirmDialog, type ConfirmRequest } from "../../components/ConfirmDialog";
import { ErrorAlert } from "../../components/ErrorAlert";
import { PageHeader } from "../../components/PageHeader";
import { DeleteButton } from "../../components/RowActions";
import { SearchInput } from "../../components/SearchInput";
import { UploadButton } from "../../components/UploadButton";
import { formatSize } from "../../format";
import { useAction } from "../../hooks/useAction";
import { useAppPath } from "../../hooks/useAppPath";
import { useAsync } from "../../hooks/useAsync";
import { can, useCurrentUser } from "../../hooks/useMe";
import { RESOURCES } from "../../nav";
import { formatTime } from "../../time";
import { refusalMessage, saveRefusal } from "./editorLogic";
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
  const [search, setSearch] = useState("");
  const [query, setQuery] = useState("");
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const [creating, setCreating] = useState(false);
  const [report, setReport] = useState<Report | null>(null);
  const upload = useAction();

  useEffect(() => {
    const timer = setTimeout(() => setQuery(search.trim()), 250);
    return () => clearTimeout(timer);
  }, [search]);
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
    setConfirm({
      action: async () => {
        try {
          await dagFiles().remove(file.name, file.revision);
        } catch (error: unknown) {
          throw new Error(refusalMessage(saveRefusal(error)));
        }
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
      <Flex align="center" gap={3} mb={3}>
        <SearchInput onChange={setSearch} placeholder="Search file name or DAG id" testId="dag-file-search" value={search} />
        {loaded.status === "loading" && files !== undefined ? <Spinner size="sm" /> : null}
      </Flex>
      {loaded.status === "error" ? <ErrorAlert error={loaded.error} onRetry={loaded.reload} testId="dag-files-load-error" /> : null}
      {files === undefined && loaded.status === "loading" ? <Spinner data-testid="dag-files-loading" /> : null}
      {files !== undefined && files.length === 0 ? (
        <Text color="fg.muted" data-testid="dag-files-empty" py={6}>
          {query === "" ? "The DAGs folder is empty." : "No file or DAG matches this search."}
        </Text>
      ) : null}
      {files !== undefined && files.length > 0 ? (
        <Table.ScrollArea borderWidth="1px" rounded="md">
          <Table.Root data-testid="dag-files-table" size="sm">
            <Table.Header>
              <Table.Row>
                <Table.ColumnHeader>File name</Table.ColumnHeader>
                <Table.ColumnHeader>Last modified</Table.ColumnHeader>
                <Table.ColumnHeader textAlign="end">Size</Table.ColumnHeader>
                <Table.ColumnHeader>DAGs</Table.ColumnHeader>
                <Table.ColumnHeader>Parse state</Table.ColumnHeader>
                <Table.ColumnHeader />
              </Table.Row>
            </Table.Header>
            <Table.Body>
              {files.map((file) => (
                <Table.Row data-testid={`dag-file-row-${file.name}`} key={file.name}>
                  <Table.Cell>
                    <Link asChild colorPalette="blue" fontFamily="mono">
                      <RouterLink data-testid={`dag-file-link-${file.name}`} to={editPath(file.name)}>
                        {file.name}
                      </RouterLink>
                    </Link>
                  </Table.Cell>
                  <Table.Cell whiteSpace="nowrap">{formatTime(file.modified)}</Table.Cell>
                  <Table.Cell textAlign="end" whiteSpace="nowrap">
                    {formatSize(file.size)}
                  </Table.Cell>
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
                  <Table.Cell>
                    <HStack gap={1} justify="flex-end">
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
                    </HStack>
                  </Table.Cell>
                </Table.Row>
              ))}
            </Table.Body>
          </Table.Root>
        </Table.ScrollArea>
      ) : null}
      <NewDagDialog
        exists={(name) => (files ?? []).some((file) => file.name === name)}
        onClose={() => setCreating(false)}
        onSubmit={(name) => {
          setCreating(false);
          navigate(`${editPath(name)}?new=1`);
        }}
        open={creating}
      />
      <ConfirmDialog onClose={() => setConfirm(null)} request={confirm} />
    </>
  );
}
