/** Hadoop tab: the group's XML files (upload several, open to edit, download, delete), missing ones flagged. */
import { Alert, Table } from "@chakra-ui/react";
import { useState } from "react";

import { configGroups, type HadoopFiles } from "../../api/configGroups";
import { ActionOutcome } from "../../components/ActionOutcome";
import { useConfirm } from "../../components/ConfirmDialog";
import { ActionsCell, DataTable, LinkCell, SizeCell, TimeCell } from "../../components/DataTable";
import { LoadState } from "../../components/LoadState";
import { DeleteButton, DownloadLink } from "../../components/RowActions";
import { UploadButton } from "../../components/UploadButton";
import { useAction } from "../../hooks/useAction";
import { useAppPath } from "../../hooks/useAppPath";
import { useAsync } from "../../hooks/useAsync";
import { can, useCurrentUser } from "../../hooks/useMe";
import { RESOURCES } from "../../nav";
import { useGroupChanged } from "./groupChanged";
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
  const confirm = useConfirm();
  const upload = useAction();
  const changed = useGroupChanged();
  const data = override ?? loaded.data;

  const onFiles = (files: File[]) =>
    void upload.run(async () => {
      setOverride(await configGroups().uploadHadoopFiles(group, files));
      changed();
      return `Uploaded ${files.map((file) => file.name).join(", ")}.`;
    });
  const deleteFile = (file: string) =>
    confirm.ask({
      action: async () => {
        await configGroups().deleteHadoopFile(group, file);
        changed();
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
      <LoadState
        empty="This group has no Hadoop files yet."
        emptyProps={{ py: 4 }}
        emptyTestId="hadoop-empty"
        errorTestId="hadoop-load-error"
        items={data?.files}
        loaded={loaded}
        loadingTestId="hadoop-loading"
      />
      {data !== undefined && data.files.length > 0 ? (
        <DataTable columns={["File name", "Last modified", { end: true, label: "Size" }, ""]} testId="hadoop-files">
          {data.files.map((file) => (
            <Table.Row data-testid={`hadoop-file-row-${file.name}`} key={file.name}>
              <LinkCell
                testId={`hadoop-file-link-${file.name}`}
                to={appPath(`config-groups/${encodeURIComponent(group)}/hadoop/${encodeURIComponent(file.name)}`)}
              >
                {file.name}
              </LinkCell>
              <TimeCell time={file.modified} />
              <SizeCell bytes={file.size} />
              <ActionsCell>
                <DownloadLink
                  fileName={file.name}
                  href={configGroups().hadoopFileDownloadUrl(group, file.name)}
                  testId={`hadoop-file-download-${file.name}`}
                />
                {canEdit ? (
                  <DeleteButton onClick={() => deleteFile(file.name)} testId={`hadoop-file-delete-${file.name}`} />
                ) : null}
              </ActionsCell>
            </Table.Row>
          ))}
        </DataTable>
      ) : null}
      {confirm.dialog}
    </>
  );
}
