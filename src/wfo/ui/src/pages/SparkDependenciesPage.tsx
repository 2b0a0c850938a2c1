/** Spark dependencies: the jars and Python files config groups can put on a job's classpath/PYTHONPATH. */
import { Badge, Flex, HStack, Spinner, Table, Text } from "@chakra-ui/react";
import { useState } from "react";

import { SPARK_DEPENDENCY_EXTENSIONS, sparkDependencies, type SparkDependency } from "../api/repositories";
import { ActionOutcome } from "../components/ActionOutcome";
import { ConfirmDialog, type ConfirmRequest } from "../components/ConfirmDialog";
import { ErrorAlert } from "../components/ErrorAlert";
import { PageHeader } from "../components/PageHeader";
import { DeleteButton, DownloadLink } from "../components/RowActions";
import { SearchInput } from "../components/SearchInput";
import { UploadButton } from "../components/UploadButton";
import { formatSize } from "../format";
import { useAction } from "../hooks/useAction";
import { useAsync } from "../hooks/useAsync";
import { can, useCurrentUser } from "../hooks/useMe";
import { RESOURCES } from "../nav";
import { formatTime } from "../time";

export function SparkDependenciesPage() {
  const me = useCurrentUser();
  const canCreate = can(me, RESOURCES.sparkDependencies, "can_create");
  const canDelete = can(me, RESOURCES.sparkDependencies, "can_delete");
  const loaded = useAsync((signal) => sparkDependencies().list(signal), []);
  const [override, setOverride] = useState<SparkDependency[] | null>(null);
  const [search, setSearch] = useState("");
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const upload = useAction();

  const files = override ?? loaded.data?.files;
  const needle = search.trim().toLowerCase();
  const shown = (files ?? []).filter((file) => file.name.toLowerCase().includes(needle));

  const onFiles = (chosen: File[]) =>
    void upload.run(async () => {
      setOverride((await sparkDependencies().upload(chosen)).files);
      return `Uploaded ${chosen.map((file) => file.name).join(", ")}.`;
    });
  const remove = (name: string) =>
    setConfirm({
      action: async () => {
        await sparkDependencies().remove(name);
        setOverride(null);
        loaded.reload();
      },
      confirmLabel: "Delete file",
      message: `Delete ${name}? Config groups that list it in jars or py-files must stop using it first.`,
      title: "Delete Spark dependency",
    });

  return (
    <>
      <PageHeader
        actions={
          canCreate ? (
            <UploadButton
              accept={SPARK_DEPENDENCY_EXTENSIONS.join(",")}
              busy={upload.busy}
              onFiles={onFiles}
              testId="deps-upload"
            />
          ) : null
        }
        description="Jars (.jar) and Python files (.py, .zip, .egg) that config groups can add to Spark jobs: they appear in each group's jars and py-files choices."
        title="Spark dependencies"
      />
      <Flex align="center" gap={3} mb={3}>
        <SearchInput onChange={setSearch} placeholder="Search file name" testId="deps-search" value={search} />
      </Flex>
      <ActionOutcome done={upload.done} error={upload.error} testId="deps" />
      {loaded.status === "error" ? <ErrorAlert error={loaded.error} onRetry={loaded.reload} testId="deps-load-error" /> : null}
      {files === undefined && loaded.status === "loading" ? <Spinner data-testid="deps-loading" /> : null}
      {files !== undefined && shown.length === 0 ? (
        <Text color="fg.muted" data-testid="deps-empty" py={6}>
          {files.length === 0 ? "No Spark dependencies uploaded yet." : "No file matches this search."}
        </Text>
      ) : null}
      {shown.length > 0 ? (
        <Table.ScrollArea borderWidth="1px" rounded="md">
          <Table.Root data-testid="deps-table" size="sm">
            <Table.Header>
              <Table.Row>
                <Table.ColumnHeader>File name</Table.ColumnHeader>
                <Table.ColumnHeader>Kind</Table.ColumnHeader>
                <Table.ColumnHeader textAlign="end">Size</Table.ColumnHeader>
                <Table.ColumnHeader>Last modified</Table.ColumnHeader>
                <Table.ColumnHeader />
              </Table.Row>
            </Table.Header>
            <Table.Body>
              {shown.map((file) => (
                <Table.Row data-testid={`dep-row-${file.name}`} key={file.name}>
                  <Table.Cell fontFamily="mono">{file.name}</Table.Cell>
                  <Table.Cell>
                    <Badge variant="outline">{file.kind}</Badge>
                  </Table.Cell>
                  <Table.Cell textAlign="end" whiteSpace="nowrap">
                    {formatSize(file.size)}
                  </Table.Cell>
                  <Table.Cell whiteSpace="nowrap">{formatTime(file.modified)}</Table.Cell>
                  <Table.Cell>
                    <HStack gap={1} justify="flex-end">
                      <DownloadLink
                        fileName={file.name}
                        href={sparkDependencies().downloadUrl(file.name)}
                        testId={`dep-download-${file.name}`}
                      />
                      {canDelete ? <DeleteButton onClick={() => remove(file.name)} testId={`dep-delete-${file.name}`} /> : null}
                    </HStack>
                  </Table.Cell>
                </Table.Row>
              ))}
            </Table.Body>
          </Table.Root>
        </Table.ScrollArea>
      ) : null}
      <ConfirmDialog onClose={() => setConfirm(null)} request={confirm} />
    </>
  );
}
