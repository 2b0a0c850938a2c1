/**
 * Manage DAGs: the files of the DAGs folder with the DAGs each defines and whether Airflow loaded
 * it; search by name or DAG id; upload (with a per-file report), create, delete, history. Below them,
 * the examples shipped with wfo (read-only): view one, or copy it to the DAGs folder.
 */
import { Badge, Button, Flex, Heading, HStack, Link, Table, Text } from "@chakra-ui/react";
import { useEffect, useState } from "react";
import { Link as RouterLink, useNavigate } from "react-router-dom";

import { dagExamples, type DagExample } from "../../api/dagExamples";
import { airflowDagPath, dagFiles, type DagFileSummary, type UploadReport as Report } from "../../api/dagFiles";
import { ActionOutcome } from "../../components/ActionOutcome";
import { useConfirm } from "../../components/ConfirmDialog";
import { ActionsCell, DataTable, LinkCell, SizeCell, TimeCell } from "../../components/DataTable";
import { LoadState } from "../../components/LoadState";
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
import { CopyExampleDialog } from "./CopyExampleDialog";
import { countOf, explainRefusal } from "./editorLogic";
import { NewDagDialog } from "./NewDagDialog";
import { UploadReport } from "./UploadReport";

const STATE_PALETTE = { error: "red", ok: "green", pending: "gray" } as const;

function DagIdLinks({ dagIds }: { dagIds: string[] }) {
  return (
    <Flex direction="column" gap={0}>
      {dagIds.map((dagId) => (
        <Link asChild colorPalette="brand" fontFamily="mono" fontSize="sm" key={dagId}>
          <RouterLink data-testid={`dag-link-${dagId}`} to={airflowDagPath(dagId)}>
            {dagId}
          </RouterLink>
        </Link>
      ))}
    </Flex>
  );
}

function StateBadge({ file }: { file: DagFileSummary | DagExample }) {
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
  const [copying, setCopying] = useState<string | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const upload = useAction();

  const loaded = useAsync((signal) => dagFiles().list(query, signal), [query]);
  const files = loaded.data?.files;
  const examplesLoaded = useAsync((signal) => dagExamples().list(query, signal), [query]);
  const examples = examplesLoaded.data?.examples;

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
      return result.rejected.length === 0 ? `Uploaded ${countOf(accepted, "file")}; ${result.unchanged.length} unchanged.` : null;
    });

  const remove = (file: DagFileSummary) =>
    confirm.ask({
      action: async () => {
        await explainRefusal(() => dagFiles().remove(file.name, file.revision));
        loaded.reload();
      },
      confirmLabel: "Delete file",
      message: `Delete ${file.name}${file.dag_ids.length > 0 ? ` and with it the DAG${file.dag_ids.length === 1 ? "" : "s"} ${file.dag_ids.join(", ")}` : ""}? Its history is kept and it can be restored.`,
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
        empty={
          query === ""
            ? "The DAGs folder is empty: create a new DAG, upload files, or copy one of the examples below."
            : "No file or DAG matches this search."
        }
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
              <DagIdLinks dagIds={file.dag_ids} />
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
      <Heading as="h3" data-testid="dag-examples-heading" mt={8} size="md">
        Examples shipped with wfo
      </Heading>
      <Text color="fg.muted" fontSize="sm" mb={2}>
        Read-only: they change only with wfo. Copy one to your DAGs folder to change it and run your own version.
      </Text>
      <ActionOutcome done={copied} error={null} testId="dag-example-copy" />
      <LoadState
        empty={query === "" ? "No examples are installed." : "No example matches this search."}
        emptyTestId="dag-examples-empty"
        errorTestId="dag-examples-load-error"
        items={examples}
        loaded={examplesLoaded}
        loadingTestId="dag-examples-loading"
      />
      {examples !== undefined && examples.length > 0 ? (
        <DataTable columns={["Example", "What it shows", "DAGs", "Parse state", ""]} testId="dag-examples-table">
          {examples.map((example) => (
            <Table.Row data-testid={`dag-example-row-${example.name}`} key={example.name} verticalAlign="top">
              <LinkCell testId={`dag-example-link-${example.name}`} to={appPath(`dag-files/example/${example.name}`)}>
                {example.name}
              </LinkCell>
              <Table.Cell color="fg.muted" fontSize="sm" maxW="28rem">
                {example.description}
              </Table.Cell>
              <Table.Cell>
                <DagIdLinks dagIds={example.dag_ids} />
              </Table.Cell>
              <Table.Cell>
                <StateBadge file={example} />
              </Table.Cell>
              <ActionsCell>
                <Button asChild size="xs" variant="ghost">
                  <RouterLink data-testid={`dag-example-view-${example.name}`} to={appPath(`dag-files/example/${example.name}`)}>
                    View
                  </RouterLink>
                </Button>
                {canCreate ? (
                  <Button data-testid={`dag-example-copy-${example.name}`} onClick={() => setCopying(example.name)} size="xs" variant="ghost">
                    Copy to my DAGs
                  </Button>
                ) : null}
              </ActionsCell>
            </Table.Row>
          ))}
        </DataTable>
      ) : null}
      <CopyExampleDialog
        example={copying}
        onClose={() => setCopying(null)}
        onCopied={(_, message) => {
          setCopied(message);
          loaded.reload();
        }}
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
