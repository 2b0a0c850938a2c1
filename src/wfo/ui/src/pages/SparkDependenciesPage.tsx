/**
 * Spark dependencies: the jars and Python files config groups can put on a job's classpath/PYTHONPATH.
 * Same pattern as code artifacts (drop zone, search, columns); a file has one version and no page.
 */
import { useState } from "react";

import { sparkDependencies, type SparkDependency } from "../api/repositories";
import { useConfirm } from "../components/ConfirmDialog";
import { FileRepository } from "../components/FileRepository";
import { PageHeader } from "../components/PageHeader";
import { DeleteButton, DownloadLink } from "../components/RowActions";
import { useAction } from "../hooks/useAction";
import { useAsync } from "../hooks/useAsync";
import { can, useCurrentUser } from "../hooks/useMe";
import { RESOURCES } from "../nav";
import { SPARK_DEPENDENCY_TYPES } from "./uploadExtensions";

export function SparkDependenciesPage() {
  const me = useCurrentUser();
  const canCreate = can(me, RESOURCES.sparkDependencies, "can_create");
  const canDelete = can(me, RESOURCES.sparkDependencies, "can_delete");
  const loaded = useAsync((signal) => sparkDependencies().list(signal), []);
  const [search, setSearch] = useState("");
  const confirm = useConfirm();
  const upload = useAction();

  const files = loaded.data?.files;
  const needle = search.trim().toLowerCase();
  const shown = files?.filter((file) => file.name.toLowerCase().includes(needle));

  const onFiles = (chosen: File[]) =>
    void upload.run(async () => {
      await sparkDependencies().upload(chosen);
      loaded.reload();
      return `Uploaded ${chosen.map((file) => file.name).join(", ")}.`;
    });
  const remove = (name: string) =>
    confirm.ask({
      action: async () => {
        await sparkDependencies().remove(name);
        loaded.reload();
      },
      confirmLabel: "Delete file",
      message: `Delete ${name}? Config groups that list it in jars or py-files must stop using it first.`,
      title: "Delete Spark dependency",
    });

  return (
    <>
      <PageHeader
        description="Jars and Python files (zip, egg) that config groups can add to Spark jobs: they appear in each group's jars and py-files choices. Uploading a name again replaces the file."
        title="Spark dependencies"
      />
      <FileRepository<SparkDependency>
        actions={(file) => (
          <>
            <DownloadLink fileName={file.name} href={sparkDependencies().downloadUrl(file.name)} testId={`dep-download-${file.name}`} />
            {canDelete ? (
              <DeleteButton label={`Delete ${file.name}`} onClick={() => remove(file.name)} testId={`dep-delete-${file.name}`} />
            ) : null}
          </>
        )}
        empty={files?.length === 0 ? "No Spark dependencies uploaded yet." : "No file matches this search."}
        files={shown}
        loaded={loaded}
        outcome={upload}
        rowTestId="dep"
        search={{ onChange: setSearch, placeholder: "Search file name", testId: "deps-search", value: search }}
        testId="deps"
        upload={
          canCreate
            ? { busy: upload.busy, extensions: SPARK_DEPENDENCY_TYPES, onFiles, testId: "deps-drop-zone", uploadTestId: "deps-upload" }
            : null
        }
      />
      {confirm.dialog}
    </>
  );
}
