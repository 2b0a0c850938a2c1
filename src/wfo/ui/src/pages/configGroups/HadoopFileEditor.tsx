/** One Hadoop XML file as an editable key/value table; "Submit all changes" rewrites the file. */
import { Badge, Box, Button, Flex, HStack, Input, Link, Spinner, Table, Text } from "@chakra-ui/react";
import { useState, type FormEvent } from "react";
import { Link as RouterLink, useParams } from "react-router-dom";

import { configGroups, type HadoopProperty } from "../../api/configGroups";
import { ActionOutcome } from "../../components/ActionOutcome";
import { DataTable } from "../../components/DataTable";
import { ErrorAlert } from "../../components/ErrorAlert";
import { DeleteButton } from "../../components/RowActions";
import { formError, keyedErrors } from "../../errors";
import { useAction } from "../../hooks/useAction";
import { useAppPath } from "../../hooks/useAppPath";
import { useAsync } from "../../hooks/useAsync";
import { can, useCurrentUser } from "../../hooks/useMe";
import { RESOURCES } from "../../nav";
import { useGroupChanged } from "./groupChanged";
import { SectionHeading } from "./SectionHeading";

function AddProperty({ existing, onAdd }: { existing: string[]; onAdd: (name: string, value: string) => void }) {
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const trimmed = name.trim();
  const problem = existing.includes(trimmed) ? `${trimmed} is already in the file.` : null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (trimmed !== "" && problem === null) {
      onAdd(trimmed, value);
      setName("");
      setValue("");
    }
  };
  return (
    <Box as="form" mt={3} onSubmit={submit}>
      <Flex align="center" gap={2} wrap="wrap">
        <Input
          data-testid="hadoop-prop-add-name"
          fontFamily="mono"
          maxW="22rem"
          onChange={(event) => setName(event.target.value)}
          placeholder="property name, e.g. fs.defaultFS"
          size="sm"
          value={name}
        />
        <Input
          data-testid="hadoop-prop-add-value"
          fontFamily="mono"
          maxW="28rem"
          onChange={(event) => setValue(event.target.value)}
          placeholder="value"
          size="sm"
          value={value}
        />
        <Button data-testid="hadoop-prop-add" disabled={trimmed === "" || problem !== null} size="sm" type="submit" variant="outline">
          Add in configurations
        </Button>
      </Flex>
      {problem === null ? null : (
        <Text color="fg.error" fontSize="sm" mt={1}>
          {problem}
        </Text>
      )}
    </Box>
  );
}

export function HadoopFileEditor({ group }: { group: string }) {
  const file = useParams().file ?? "";
  const me = useCurrentUser();
  const canEdit = can(me, RESOURCES.configGroups, "can_edit");
  const appPath = useAppPath();
  const [rows, setRows] = useState<HadoopProperty[] | null>(null);
  const loaded = useAsync((signal) => configGroups().hadoopFile(group, file, signal), [group, file], (data) =>
    setRows(data.properties),
  );
  const save = useAction();
  const changed = useGroupChanged();

  const names = (rows ?? []).map((row) => row.name);
  const errors = save.cause === null ? null : keyedErrors(save.cause, names);
  const dirty = rows !== null && loaded.data !== undefined && JSON.stringify(rows) !== JSON.stringify(loaded.data.properties);

  const update = (index: number, value: string) =>
    setRows((current) => (current ?? []).map((row, i) => (i === index ? { ...row, value } : row)));
  const remove = (index: number) => setRows((current) => (current ?? []).filter((_, i) => i !== index));
  const add = (name: string, value: string) => setRows((current) => [...(current ?? []), { name, value }]);
  const submit = () =>
    void save.run(async () => {
      const saved = await configGroups().saveHadoopFile(group, file, rows ?? []);
      setRows(saved.properties);
      loaded.reload();
      changed();
      return `${file} saved.`;
    });

  return (
    <>
      <SectionHeading
        actions={
          <HStack gap={2}>
            <Button asChild size="sm" variant="outline">
              <a data-testid="hadoop-file-download" download={file} href={configGroups().hadoopFileDownloadUrl(group, file)}>
                Download
              </a>
            </Button>
          </HStack>
        }
        hint={
          <>
            <Link asChild color="fg.info">
              <RouterLink data-testid="hadoop-back" to={appPath(`config-groups/${encodeURIComponent(group)}/hadoop`)}>
                All files
              </RouterLink>
            </Link>{" "}
            / <Text as="span" data-testid="hadoop-file-name" fontFamily="mono">{file}</Text>
          </>
        }
        title="Hadoop configuration"
      />
      <ActionOutcome done={save.done} error={formError(errors)} testId="hadoop-prop" />
      {loaded.status === "error" ? <ErrorAlert error={loaded.error} onRetry={loaded.reload} testId="hadoop-prop-load-error" /> : null}
      {rows === null && loaded.status === "loading" ? <Spinner data-testid="hadoop-prop-loading" /> : null}
      {rows === null ? null : (
        <>
          <DataTable columns={["Property", "Value", ""]} testId="hadoop-props">
            {rows.length === 0 ? (
              <Table.Row>
                <Table.Cell colSpan={3}>
                  <Text color="fg.muted" data-testid="hadoop-prop-empty">
                    The file has no properties.
                  </Text>
                </Table.Cell>
              </Table.Row>
            ) : null}
            {rows.map((row, index) => {
              const rowErrors = errors?.byKey[row.name];
              return (
                <Table.Row data-testid={`hadoop-prop-row-${row.name}`} key={row.name}>
                  <Table.Cell maxW="24rem" verticalAlign="top">
                    <Text fontFamily="mono" fontSize="sm" wordBreak="break-all">
                      {row.name}
                      {row.final ? (
                        <Badge ml={2} size="sm" variant="outline">
                          final
                        </Badge>
                      ) : null}
                    </Text>
                    {row.description ? (
                      <Text color="fg.muted" fontSize="xs">
                        {row.description}
                      </Text>
                    ) : null}
                  </Table.Cell>
                  <Table.Cell verticalAlign="top">
                    <Input
                      aria-invalid={rowErrors ? true : undefined}
                      data-testid={`hadoop-prop-value-${row.name}`}
                      fontFamily="mono"
                      onChange={(event) => update(index, event.target.value)}
                      readOnly={!canEdit}
                      size="sm"
                      value={row.value}
                    />
                    {rowErrors ? (
                      <Text color="fg.error" data-testid={`hadoop-prop-error-${row.name}`} fontSize="xs" mt={1}>
                        {rowErrors.join(" ")}
                      </Text>
                    ) : null}
                  </Table.Cell>
                  <Table.Cell textAlign="end" verticalAlign="top" width="1%">
                    {canEdit ? (
                      <DeleteButton label={`Delete ${row.name}`} onClick={() => remove(index)} testId={`hadoop-prop-delete-${row.name}`} />
                    ) : null}
                  </Table.Cell>
                </Table.Row>
              );
            })}
          </DataTable>
          {canEdit ? (
            <>
              <AddProperty existing={names} onAdd={add} />
              <HStack gap={3} mt={4}>
                <Button colorPalette="brand" data-testid="hadoop-submit" loading={save.busy} onClick={submit} size="sm">
                  Submit all changes
                </Button>
                {dirty ? (
                  <Text color="fg.muted" data-testid="hadoop-unsaved" fontSize="sm">
                    Unsaved changes
                  </Text>
                ) : null}
              </HStack>
            </>
          ) : (
            <Text color="fg.muted" data-testid="hadoop-readonly" fontSize="sm" mt={3}>
              You can view this file; changing it needs edit rights on config groups.
            </Text>
          )}
        </>
      )}
    </>
  );
}
