/** One code artifact: its versions (view, download, restore) and the text of the chosen version. */
import { Badge, Box, Button, Flex, Heading, HStack, Spinner, Table, Text } from "@chakra-ui/react";
import { useState } from "react";
import { useNavigate, useParams } from "react-router-dom";

import { ApiError } from "../../api/client";
import { codeArtifacts } from "../../api/repositories";
import { ActionOutcome } from "../../components/ActionOutcome";
import { useConfirm } from "../../components/ConfirmDialog";
import { ActionsCell, DataTable, SizeCell, TimeCell } from "../../components/DataTable";
import { ErrorAlert } from "../../components/ErrorAlert";
import { LoadState } from "../../components/LoadState";
import { ItemPageHeader } from "../../components/PageHeader";
import { EyeIcon, RestoreIcon } from "../../components/icons";
import { DownloadLink, RowAction } from "../../components/RowActions";
import { shortHash } from "../../format";
import { useAction } from "../../hooks/useAction";
import { useAppPath } from "../../hooks/useAppPath";
import { useAsync } from "../../hooks/useAsync";
import { can, useCurrentUser } from "../../hooks/useMe";
import { RESOURCES } from "../../nav";

function BinaryNotice({ version }: { version: number }) {
  return (
    <Text color="fg.muted" data-testid="artifact-content-binary" fontSize="sm">
      Version {version} is a binary file; download it to look inside.
    </Text>
  );
}

function Content({ name, version }: { name: string; version: number }) {
  const content = useAsync((signal) => codeArtifacts().content(name, version, signal), [name, version]);
  if (content.status === "loading") {
    return <Spinner data-testid="artifact-content-loading" />;
  }
  if (content.status === "error") {
    if (content.error instanceof ApiError && content.error.status === 415) {
      return <BinaryNotice version={version} />;
    }
    return <ErrorAlert error={content.error} onRetry={content.reload} testId="artifact-content-error" />;
  }
  return (
    <Box
      as="pre"
      bg="bg.subtle"
      borderWidth="1px"
      data-testid="artifact-content"
      fontFamily="mono"
      fontSize="xs"
      maxH="60vh"
      overflow="auto"
      p={3}
      rounded="md"
      whiteSpace="pre"
    >
      {content.data.text}
    </Box>
  );
}

export function ArtifactDetailPage() {
  const name = useParams().name ?? "";
  const me = useCurrentUser();
  const canEdit = can(me, RESOURCES.codeArtifacts, "can_edit");
  const canDelete = can(me, RESOURCES.codeArtifacts, "can_delete");
  const appPath = useAppPath();
  const navigate = useNavigate();
  const [viewing, setViewing] = useState<number | null>(null);
  // Show the latest version's text when the artifact opens and after a restore.
  const detail = useAsync((signal) => codeArtifacts().get(name, signal), [name], (data) => setViewing(data.latest));
  const confirm = useConfirm();
  const action = useAction();

  const latest = detail.data?.latest;
  const versions = [...(detail.data?.versions ?? [])].sort((a, b) => b.version - a.version);
  const restore = (version: number) =>
    void action.run(async () => {
      const restored = await codeArtifacts().restore(name, version);
      detail.reload();
      return restored.unchanged
        ? `Version ${version} already has the latest content; nothing changed.`
        : `Version ${version} restored as the new latest version (v${restored.version}).`;
    });
  const remove = () =>
    confirm.ask({
      action: async () => {
        await codeArtifacts().remove(name);
        navigate(appPath("code-artifacts"));
      },
      confirmLabel: "Delete artifact",
      message: `Delete ${name} and all its versions? DAGs that use code_artifact='${name}' will fail.`,
      title: "Delete code artifact",
    });

  return (
    <>
      <ItemPageHeader
        actions={
          <HStack gap={2}>
            <Button asChild size="sm" variant="outline">
              <a data-testid="artifact-download" download={name} href={codeArtifacts().downloadUrl(name)}>
                Download latest
              </a>
            </Button>
            {canDelete ? (
              <Button colorPalette="red" data-testid="artifact-delete" onClick={remove} size="sm" variant="outline">
                Delete
              </Button>
            ) : null}
          </HStack>
        }
        back={{ label: "← All code artifacts", testId: "artifact-back", to: appPath("code-artifacts") }}
        description={`Use it in a DAG with code_artifact='${name}' (always the latest version).`}
        name={name}
        nameTestId="artifact-name"
        title="Code artifacts"
      />
      <ActionOutcome done={action.done} error={action.error} testId="artifact" />
      <LoadState errorTestId="artifact-load-error" items={detail.data?.versions} loaded={detail} loadingTestId="artifact-loading" />
      {versions.length > 0 ? (
        <DataTable
          columns={["Version", { end: true, label: "Size" }, "Uploaded by", "Uploaded at", "SHA-256", ""]}
          mb={4}
          testId="artifact-versions"
        >
          {versions.map((item) => (
            <Table.Row
              bg={item.version === viewing ? "bg.muted" : undefined}
              data-testid={`artifact-version-row-${item.version}`}
              key={item.version}
            >
              <Table.Cell>
                v{item.version}
                {item.restored_from ? (
                  <Text as="span" color="fg.muted" fontSize="xs" ml={2}>
                    restored from v{item.restored_from}
                  </Text>
                ) : null}
                {item.version === latest ? (
                  <Badge colorPalette="green" ml={2} size="sm">
                    latest
                  </Badge>
                ) : null}
              </Table.Cell>
              <SizeCell bytes={item.size} />
              <Table.Cell>{item.uploaded_by ?? "—"}</Table.Cell>
              <TimeCell time={item.uploaded_at} />
              <Table.Cell fontFamily="mono" fontSize="xs" title={item.sha256}>
                {shortHash(item.sha256)}
              </Table.Cell>
              <ActionsCell>
                <RowAction
                  ariaLabel={`View version ${item.version}`}
                  icon={<EyeIcon />}
                  label="View"
                  onClick={() => setViewing(item.version)}
                  pressed={item.version === viewing}
                  testId={`artifact-view-${item.version}`}
                />
                <DownloadLink
                  fileName={name}
                  href={codeArtifacts().downloadUrl(name, item.version)}
                  testId={`artifact-version-download-${item.version}`}
                />
                {canEdit && item.version !== latest ? (
                  <RowAction
                    ariaLabel={`Restore version ${item.version}`}
                    disabled={action.busy}
                    icon={<RestoreIcon />}
                    label="Restore as the latest version"
                    onClick={() => restore(item.version)}
                    testId={`artifact-restore-${item.version}`}
                  />
                ) : null}
              </ActionsCell>
            </Table.Row>
          ))}
        </DataTable>
      ) : null}
      {viewing === null ? null : (
        <>
          <Flex align="center" gap={2} mb={2}>
            <Heading as="h4" size="sm">
              Content of version {viewing}
            </Heading>
          </Flex>
          {versions.find((item) => item.version === viewing)?.text === false ? (
            <BinaryNotice version={viewing} />
          ) : (
            <Content name={name} version={viewing} />
          )}
        </>
      )}
      {confirm.dialog}
    </>
  );
}
