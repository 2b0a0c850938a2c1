/** Code artifacts: the files operators fetch by name (`code_artifact='x.py'`), newest version of each. */
import { Badge, Table, Text } from "@chakra-ui/react";

import { codeArtifacts, type CodeArtifactSummary } from "../../api/repositories";
import { useConfirm } from "../../components/ConfirmDialog";
import { FileRepository } from "../../components/FileRepository";
import { PageHeader } from "../../components/PageHeader";
import { DeleteButton, DownloadLink } from "../../components/RowActions";
import { useAction } from "../../hooks/useAction";
import { useAppPath } from "../../hooks/useAppPath";
import { useAsync } from "../../hooks/useAsync";
import { useDebouncedSearch } from "../../hooks/useDebouncedSearch";
import { can, useCurrentUser } from "../../hooks/useMe";
import { RESOURCES } from "../../nav";
import { CODE_ARTIFACT_TYPES } from "../uploadExtensions";

export function ArtifactListPage() {
  const me = useCurrentUser();
  const canCreate = can(me, RESOURCES.codeArtifacts, "can_create");
  const canDelete = can(me, RESOURCES.codeArtifacts, "can_delete");
  const appPath = useAppPath();
  const { search, setSearch, query } = useDebouncedSearch();
  const confirm = useConfirm();
  const upload = useAction();

  const loaded = useAsync((signal) => codeArtifacts().list(query, signal), [query]);

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
    confirm.ask({
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
      <FileRepository<CodeArtifactSummary>
        actions={(artifact) => (
          <>
            <DownloadLink
              fileName={artifact.name}
              href={codeArtifacts().downloadUrl(artifact.name)}
              testId={`artifact-download-${artifact.name}`}
            />
            {canDelete ? (
              <DeleteButton
                label={`Delete ${artifact.name}`}
                onClick={() => remove(artifact.name)}
                testId={`artifact-delete-${artifact.name}`}
              />
            ) : null}
          </>
        )}
        empty={query === "" ? "No code artifacts uploaded yet." : "No artifact matches this search."}
        extra={[
          {
            cell: (artifact) => (
              <Table.Cell whiteSpace="nowrap">
                <Badge variant="outline">v{artifact.version}</Badge>
                {artifact.versions > 1 ? (
                  <Text as="span" color="fg.muted" fontSize="xs" ml={2}>
                    {artifact.versions} versions
                  </Text>
                ) : null}
              </Table.Cell>
            ),
            column: { label: "Version", width: "9rem" },
          },
          {
            cell: (artifact) => (
              <Table.Cell title={artifact.uploaded_by ?? undefined} truncate>
                {artifact.uploaded_by ?? "—"}
              </Table.Cell>
            ),
            column: { label: "Uploaded by", width: "9rem" },
          },
        ]}
        files={loaded.data?.artifacts}
        link={(artifact) => appPath(`code-artifacts/${encodeURIComponent(artifact.name)}`)}
        loaded={loaded}
        outcome={upload}
        rowTestId="artifact"
        search={{ onChange: setSearch, placeholder: "Search file name", testId: "artifact-search", value: search }}
        testId="artifacts"
        upload={
          canCreate
            ? { busy: upload.busy, extensions: CODE_ARTIFACT_TYPES, onFiles, testId: "artifact-drop-zone", uploadTestId: "artifact-upload" }
            : null
        }
      />
      {confirm.dialog}
    </>
  );
}
