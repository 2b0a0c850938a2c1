/** Code artifacts: the files operators fetch by name (`code_artifact='x.py'`), newest version of each. */
import { Badge, Table, Text } from "@chakra-ui/react";

import { codeArtifacts } from "../../api/repositories";
import { ActionOutcome } from "../../components/ActionOutcome";
import { useConfirm } from "../../components/ConfirmDialog";
import { ActionsCell, LinkCell, SizeCell, TimeCell } from "../../components/DataTable";
import { PageHeader } from "../../components/PageHeader";
import { DeleteButton, DownloadLink } from "../../components/RowActions";
import { SearchableTable } from "../../components/SearchableTable";
import { useAction } from "../../hooks/useAction";
import { useAppPath } from "../../hooks/useAppPath";
import { useAsync } from "../../hooks/useAsync";
import { useDebouncedSearch } from "../../hooks/useDebouncedSearch";
import { can, useCurrentUser } from "../../hooks/useMe";
import { RESOURCES } from "../../nav";
import { DropZone } from "./DropZone";

export function ArtifactListPage() {
  const me = useCurrentUser();
  const canCreate = can(me, RESOURCES.codeArtifacts, "can_create");
  const canDelete = can(me, RESOURCES.codeArtifacts, "can_delete");
  const appPath = useAppPath();
  const { search, setSearch, query } = useDebouncedSearch();
  const confirm = useConfirm();
  const upload = useAction();

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
      {canCreate ? <DropZone busy={upload.busy} onFiles={onFiles} /> : null}
      <ActionOutcome done={upload.done} error={upload.error} testId="artifacts" />
      <SearchableTable
        columns={["File name", "Last modified", { end: true, label: "Size" }, "Version", "Uploaded by", ""]}
        empty={query === "" ? "No code artifacts uploaded yet." : "No artifact matches this search."}
        items={artifacts}
        loaded={loaded}
        row={(artifact) => (
          <Table.Row data-testid={`artifact-row-${artifact.name}`} key={artifact.name}>
            <LinkCell
              testId={`artifact-link-${artifact.name}`}
              to={appPath(`code-artifacts/${encodeURIComponent(artifact.name)}`)}
            >
              {artifact.name}
            </LinkCell>
            <TimeCell time={artifact.modified} />
            <SizeCell bytes={artifact.size} />
            <Table.Cell>
              <Badge variant="outline">v{artifact.version}</Badge>
              {artifact.versions > 1 ? (
                <Text as="span" color="fg.muted" fontSize="xs" ml={2}>
                  {artifact.versions} versions
                </Text>
              ) : null}
            </Table.Cell>
            <Table.Cell>{artifact.uploaded_by ?? "—"}</Table.Cell>
            <ActionsCell>
              <DownloadLink
                fileName={artifact.name}
                href={codeArtifacts().downloadUrl(artifact.name)}
                testId={`artifact-download-${artifact.name}`}
              />
              {canDelete ? (
                <DeleteButton onClick={() => remove(artifact.name)} testId={`artifact-delete-${artifact.name}`} />
              ) : null}
            </ActionsCell>
          </Table.Row>
        )}
        search={{ onChange: setSearch, placeholder: "Search file name", testId: "artifact-search", value: search }}
        testId="artifacts"
      />
      {confirm.dialog}
    </>
  );
}
