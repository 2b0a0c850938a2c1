/** Spark dependencies: the jars and Python files config groups can put on a job's classpath/PYTHONPATH. */
import { Badge, Table } from "@chakra-ui/react";
import { useState } from "react";

import { SPARK_DEPENDENCY_EXTENSIONS, sparkDependencies, type SparkDependency } from "../api/repositories";
import { ActionOutcome } from "../components/ActionOutcome";
import { useConfirm } from "../components/ConfirmDialog";
import { ActionsCell, DataTable, SizeCell, TimeCell } from "../components/DataTable";
import { LoadState } from "../components/LoadState";
import { PageHeader } from "../components/PageHeader";
import { DeleteButton, DownloadLink } from "../components/RowActions";
import { SearchBar } from "../components/SearchInput";
import { UploadButton } from "../components/UploadButton";
import { useAction } from "../hooks/useAction";
import { useAsync } from "../hooks/useAsync";
import { can, useCurrentUser } from "../hooks/useMe";
import { RESOURCES } from "../nav";

export function SparkDependenciesPage() {
  const me = useCurrentUser();
  const canCreate = can(me, RESOURCES.sparkDependencies, "can_create");
  const canDelete = can(me, RESOURCES.sparkDependencies, "can_delete");
  const loaded = useAsync((signal) => sparkDependencies().list(signal), []);
  const [override, setOverride] = useState<SparkDependency[] | null>(null);
  const [search, setSearch] = useState("");
  const confirm = useConfirm();
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
    confirm.ask({
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
      <SearchBar onChange={setSearch} placeholder="Search file name" testId="deps-search" value={search} />
      <ActionOutcome done={upload.done} error={upload.error} testId="deps" />
      <LoadState
        empty={files?.length === 0 ? "No Spark dependencies uploaded yet." : "No file matches this search."}
        emptyTestId="deps-empty"
        errorTestId="deps-load-error"
        items={files === undefined ? undefined : shown}
        loaded={loaded}
        loadingTestId="deps-loading"
      />
      {shown.length > 0 ? (
        <DataTable columns={["File name", "Kind", { end: true, label: "Size" }, "Last modified", ""]} testId="deps-table">
          {shown.map((file) => (
            <Table.Row data-testid={`dep-row-${file.name}`} key={file.name}>
              <Table.Cell fontFamily="mono">{file.name}</Table.Cell>
              <Table.Cell>
                <Badge variant="outline">{file.kind}</Badge>
              </Table.Cell>
              <SizeCell bytes={file.size} />
              <TimeCell time={file.modified} />
              <ActionsCell>
                <DownloadLink
                  fileName={file.name}
                  href={sparkDependencies().downloadUrl(file.name)}
                  testId={`dep-download-${file.name}`}
                />
                {canDelete ? <DeleteButton onClick={() => remove(file.name)} testId={`dep-delete-${file.name}`} /> : null}
              </ActionsCell>
            </Table.Row>
          ))}
        </DataTable>
      ) : null}
      {confirm.dialog}
    </>
  );
}
