/** Code artifacts: the files operators fetch by name (`code_artifact='x.py'`), newest version of each. */
import { Badge, Flex, HStack, Link, Spinner, Table, Text } from "@chakra-ui/react";
import { useEffect, useState } from "react";
import { Link as RouterLink } from "react-router-dom";

import { codeArtifacts } from "../../api/repositories";
import { ActionOutcome } from "../../components/ActionOutcome";
import { ConfirmDialog, type ConfirmRequest } from "../../components/ConfirmDialog";
import { ErrorAlert } from "../../components/ErrorAlert";
import { PageHeader } from "../../components/PageHeader";
import { DeleteButton, DownloadLink } from "../../components/RowActions";
import { SearchInput } from "../../components/SearchInput";
import { formatSize } from "../../format";
import { useAction } from "../../hooks/useAction";
import { useAppPath } from "../../hooks/useAppPath";
import { useAsync } from "../../hooks/useAsync";
import { can, useCurrentUser } from "../../hooks/useMe";
import { RESOURCES } from "../../nav";
import { formatTime } from "../../time";
import { DropZone } from "./DropZone";

export function ArtifactListPage() {
  const me = useCurrentUser();
  const canCreate = can(me, RESOURCES.codeArtifacts, "can_create");
  const canDelete = can(me, RESOURCES.codeArtifacts, "can_delete");
  const appPath = useAppPath();
  const [search, setSearch] = useState("");
  const [query, setQuery] = useState("");
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const upload = useAction();

  // Ask the server once typing pauses, not on every key.
  useEffect(() => {
    const timer = setTimeout(() => setQuery(search.trim()), 250);
    return () => clearTimeout(timer);
  }, [search]);
  const loaded = useAsync((signal) => codeArtifacts().list(query, signal), [query]);
  const artifacts = loaded.data?.artifacts;

  const onFiles = (files: File[]) =>
    void upload.run(async () => {
      const { uploaded } = await codeArtifacts().upload(files);
      loaded.reload();
      const described = uploaded.map((item) =>
        item.unchanged ? `${item.name} (unchanged, still version ${item.version})` : `${item.name} (version ${item.version})`,
      );
      return `Uploaded ${described.join(", ")}.`;
    });
  const remove = (name: string) =>
    setConfirm({
      action: async () => {
        await codeArtifacts().remove(name);
        loaded.reload();
      },
      confirmLabel: "Delete artifact",
      message: `Delete ${name} and all its versions? DAGs that use code_artifact='${name}' will fail.`,
      title: "Delete code artifact",
    });

  return (
    <>
      <PageHeader
        description="Your jars and Python files for Spark and Python tasks. Refer to one in a DAG with code_artifact='name'; the task fetches its latest version onto the worker. Uploading a name again keeps the older versions."
        title="Code artifacts"
      />
      {canCreate ? <DropZone busy={upload.busy} onFiles={onFiles} /> : null}
      <ActionOutcome done={upload.done} error={upload.error} testId="artifacts" />
      <Flex align="center" gap={3} mb={3}>
        <SearchInput onChange={setSearch} placeholder="Search file name" testId="artifact-search" value={search} />
        {loaded.status === "loading" && artifacts !== undefined ? <Spinner size="sm" /> : null}
      </Flex>
      {loaded.status === "error" ? <ErrorAlert error={loaded.error} onRetry={loaded.reload} testId="artifacts-load-error" /> : null}
      {artifacts === undefined && loaded.status === "loading" ? <Spinner data-testid="artifacts-loading" /> : null}
      {artifacts !== undefined && artifacts.length === 0 ? (
        <Text color="fg.muted" data-testid="artifacts-empty" py={6}>
          {query === "" ? "No code artifacts uploaded yet." : "No artifact matches this search."}
        </Text>
      ) : null}
      {artifacts !== undefined && artifacts.length > 0 ? (
        <Table.ScrollArea borderWidth="1px" rounded="md">
          <Table.Root data-testid="artifacts-table" size="sm">
            <Table.Header>
              <Table.Row>
                <Table.ColumnHeader>File name</Table.ColumnHeader>
                <Table.ColumnHeader>Last modified</Table.ColumnHeader>
                <Table.ColumnHeader textAlign="end">Size</Table.ColumnHeader>
                <Table.ColumnHeader>Version</Table.ColumnHeader>
                <Table.ColumnHeader>Uploaded by</Table.ColumnHeader>
                <Table.ColumnHeader />
              </Table.Row>
            </Table.Header>
            <Table.Body>
              {artifacts.map((artifact) => (
                <Table.Row data-testid={`artifact-row-${artifact.name}`} key={artifact.name}>
                  <Table.Cell>
                    <Link asChild colorPalette="blue" fontFamily="mono">
                      <RouterLink
                        data-testid={`artifact-link-${artifact.name}`}
                        to={appPath(`code-artifacts/${encodeURIComponent(artifact.name)}`)}
                      >
                        {artifact.name}
                      </RouterLink>
                    </Link>
                  </Table.Cell>
                  <Table.Cell whiteSpace="nowrap">{formatTime(artifact.modified)}</Table.Cell>
                  <Table.Cell textAlign="end" whiteSpace="nowrap">
                    {formatSize(artifact.size)}
                  </Table.Cell>
                  <Table.Cell>
                    <Badge variant="outline">v{artifact.version}</Badge>
                    {artifact.versions > 1 ? (
                      <Text as="span" color="fg.muted" fontSize="xs" ml={2}>
                        {artifact.versions} versions
                      </Text>
                    ) : null}
                  </Table.Cell>
                  <Table.Cell>{artifact.uploaded_by ?? "—"}</Table.Cell>
                  <Table.Cell>
                    <HStack gap={1} justify="flex-end">
                      <DownloadLink
                        fileName={artifact.name}
                        href={codeArtifacts().downloadUrl(artifact.name)}
                        testId={`artifact-download-${artifact.name}`}
                      />
                      {canDelete ? (
                        <DeleteButton onClick={() => remove(artifact.name)} testId={`artifact-delete-${artifact.name}`} />
                      ) : null}
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
