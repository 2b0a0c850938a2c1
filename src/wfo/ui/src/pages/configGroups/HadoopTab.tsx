/** Hadoop tab: the group's XML files (upload several, open to edit, download, delete), missing ones flagged. */
import { Alert, HStack, Link, Spinner, Table, Text } from "@chakra-ui/react";
import { useState } from "react";
import { Link as RouterLink } from "react-router-dom";

import { configGroups, type HadoopFiles } from "../../api/configGroups";
import { ActionOutcome } from "../../components/ActionOutcome";
import { ConfirmDialog, type ConfirmRequest } from "../../components/ConfirmDialog";
import { ErrorAlert } from "../../components/ErrorAlert";
import { DeleteButton, DownloadLink } from "../../components/RowActions";
import { UploadButton } from "../../components/UploadButton";
import { formatSize } from "../../format";
import { useAction } from "../../hooks/useAction";
import { useAppPath } from "../../hooks/useAppPath";
import { useAsync } from "../../hooks/useAsync";
import { can, useCurrentUser } from "../../hooks/useMe";
import { RESOURCES } from "../../nav";
import { formatTime } from "../../time";
import { SectionHeading } from "./SectionHeading";

export function MissingHadoopFiles({ missing }: { missing: string[] }) {
  if (missing.length === 0) {
    return null;
  }
  return (
    <Alert.Root data-testid="hadoop-missing" mb={3} status="warning">
      <Alert.Indicator />
      <Alert.Content>
        <Alert.Title>Missing required files: {missing.join(", ")}</Alert.Title>
        <Alert.Description>Spark jobs on YARN need core-site.xml, hdfs-site.xml and yarn-site.xml.</Alert.Description>
      </Alert.Content>
    </Alert.Root>
  );
}

export function HadoopTab({ group }: { group: string }) {
  const me = useCurrentUser();
  const canEdit = can(me, RESOURCES.configGroups, "can_edit");
  const appPath = useAppPath();
  const loaded = useAsync((signal) => configGroups().hadoopFiles(group, signal), [group]);
  const [override, setOverride] = useState<HadoopFiles | null>(null);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const upload = useAction();
  const data = override ?? loaded.data;

  const onFiles = (files: File[]) =>
    void upload.run(async () => {
      setOverride(await configGroups().uploadHadoopFiles(group, files));
      return `Uploaded ${files.map((file) => file.name).join(", ")}.`;
    });
  const deleteFile = (file: string) =>
    setConfirm({
      action: async () => {
        await configGroups().deleteHadoopFile(group, file);
        setOverride(null);
        loaded.reload();
      },
      confirmLabel: "Delete file",
      message: `Delete ${file} from the group “${group}”?`,
      title: "Delete Hadoop file",
    });

  return (
    <>
      <SectionHeading
        actions={
          canEdit ? (
            <UploadButton accept=".xml,text/xml,application/xml" busy={upload.busy} onFiles={onFiles} testId="hadoop-upload" />
          ) : null
        }
        hint="Hadoop configuration files (XML) for HADOOP_CONF_DIR. Add hive-site.xml, hbase-site.xml and others here too. Click a file to edit its properties."
        title="Hadoop configuration"
      />
      {data === undefined ? null : <MissingHadoopFiles missing={data.missing} />}
      <ActionOutcome done={upload.done} error={upload.error} testId="hadoop" />
      {loaded.status === "error" ? <ErrorAlert error={loaded.error} onRetry={loaded.reload} testId="hadoop-load-error" /> : null}
      {data === undefined && loaded.status === "loading" ? <Spinner data-testid="hadoop-loading" /> : null}
      {data !== undefined && data.files.length === 0 ? (
        <Text color="fg.muted" data-testid="hadoop-empty" py={4}>
          This group has no Hadoop files yet.
        </Text>
      ) : null}
      {data !== undefined && data.files.length > 0 ? (
        <Table.ScrollArea borderWidth="1px" rounded="md">
          <Table.Root data-testid="hadoop-files" size="sm">
            <Table.Header>
              <Table.Row>
                <Table.ColumnHeader>File name</Table.ColumnHeader>
                <Table.ColumnHeader>Last modified</Table.ColumnHeader>
                <Table.ColumnHeader textAlign="end">Size</Table.ColumnHeader>
                <Table.ColumnHeader />
              </Table.Row>
            </Table.Header>
            <Table.Body>
              {data.files.map((file) => (
                <Table.Row data-testid={`hadoop-file-row-${file.name}`} key={file.name}>
                  <Table.Cell>
                    <Link asChild colorPalette="blue" fontFamily="mono">
                      <RouterLink
                        data-testid={`hadoop-file-link-${file.name}`}
                        to={appPath(
                          `config-groups/${encodeURIComponent(group)}/hadoop/${encodeURIComponent(file.name)}`,
                        )}
                      >
                        {file.name}
                      </RouterLink>
                    </Link>
                  </Table.Cell>
                  <Table.Cell whiteSpace="nowrap">{formatTime(file.modified)}</Table.Cell>
                  <Table.Cell textAlign="end" whiteSpace="nowrap">
                    {formatSize(file.size)}
                  </Table.Cell>
                  <Table.Cell>
                    <HStack gap={1} justify="flex-end">
                      <DownloadLink
                        fileName={file.name}
                        href={configGroups().hadoopFileDownloadUrl(group, file.name)}
                        testId={`hadoop-file-download-${file.name}`}
                      />
                      {canEdit ? (
                        <DeleteButton onClick={() => deleteFile(file.name)} testId={`hadoop-file-delete-${file.name}`} />
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
