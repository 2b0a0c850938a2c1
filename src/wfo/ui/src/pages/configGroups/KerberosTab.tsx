/**
 * Kerberos tab: upload krb5.conf and keytabs, pick the keytab and principal jobs use. Keytabs are
 * stored encrypted; the page shows only their names, sizes and the principals they hold.
 */
import { Badge, Box, Button, Field, Flex, HStack, Input, NativeSelect, Spinner, Table, Text } from "@chakra-ui/react";
import { useState, type FormEvent } from "react";

import { configGroups, type KerberosConfig } from "../../api/configGroups";
import { ActionOutcome } from "../../components/ActionOutcome";
import { useConfirm } from "../../components/ConfirmDialog";
import { DataTable, SizeCell, TimeCell } from "../../components/DataTable";
import { ErrorAlert } from "../../components/ErrorAlert";
import { DeleteButton } from "../../components/RowActions";
import { UploadButton } from "../../components/UploadButton";
import { useAction } from "../../hooks/useAction";
import { useAsync } from "../../hooks/useAsync";
import { can, useCurrentUser } from "../../hooks/useMe";
import { RESOURCES } from "../../nav";
import { useGroupChanged } from "./groupChanged";
import { SectionHeading } from "./SectionHeading";

export function KerberosTab({ group }: { group: string }) {
  const me = useCurrentUser();
  const canEdit = can(me, RESOURCES.configGroups, "can_edit");
  const [config, setConfig] = useState<KerberosConfig | null>(null);
  const [principal, setPrincipal] = useState("");
  const [keytab, setKeytab] = useState("");
  const confirm = useConfirm();
  const action = useAction();
  const changed = useGroupChanged();

  const show = (next: KerberosConfig) => {
    setConfig(next);
    setPrincipal(next.principal ?? "");
    setKeytab(next.keytab ?? "");
  };
  const loaded = useAsync((signal) => configGroups().kerberos(group, signal), [group], show);

  const refresh = async () => show(await configGroups().kerberos(group));
  const onFiles = (files: File[]) =>
    void action.run(async () => {
      const uploaded = await configGroups().uploadKerberosFiles(group, files);
      changed();
      // Keep what the user typed but has not submitted yet.
      setConfig(uploaded);
      return `Uploaded ${files.map((file) => file.name).join(", ")}.`;
    });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      show(
        await configGroups().saveKerberos(group, {
          keytab: keytab === "" ? null : keytab,
          principal: principal.trim() === "" ? null : principal.trim(),
        }),
      );
      changed();
      return "Kerberos configuration saved. It applies to newly started jobs.";
    });
  };
  const deleteKeytab = (file: string) =>
    confirm.ask({
      action: async () => {
        await configGroups().deleteKeytab(group, file);
        changed();
        await refresh();
      },
      confirmLabel: "Delete keytab",
      message: `Delete the keytab ${file} from the group “${group}”? Jobs that use it will fail to authenticate.`,
      title: "Delete keytab",
    });
  const deleteKrb5 = () =>
    confirm.ask({
      action: async () => {
        await configGroups().deleteKrb5Conf(group);
        changed();
        await refresh();
      },
      confirmLabel: "Delete krb5.conf",
      message: `Delete krb5.conf from the group “${group}”?`,
      title: "Delete krb5.conf",
    });

  const keytabs = config?.keytabs ?? [];
  const keytabNames = keytabs.map((item) => item.name);

  return (
    <>
      <SectionHeading
        actions={
          canEdit ? (
            <UploadButton
              accept=".keytab,.conf"
              busy={action.busy}
              label="Upload .keytab & krb5.conf files"
              onFiles={onFiles}
              testId="kerberos-upload"
            />
          ) : null
        }
        hint="For Kerberos-secured clusters: krb5.conf, the keytab and the principal jobs authenticate with. Keytab contents are stored encrypted and never shown."
        title="Kerberos configuration"
      />
      <ActionOutcome done={action.done} error={action.error} testId="kerberos" />
      {loaded.status === "error" ? <ErrorAlert error={loaded.error} onRetry={loaded.reload} testId="kerberos-load-error" /> : null}
      {config === null ? (
        loaded.status === "loading" ? <Spinner data-testid="kerberos-loading" /> : null
      ) : (
        <>
          <Flex align="center" gap={3} mb={4}>
            <Text fontFamily="mono" fontSize="sm">
              krb5.conf
            </Text>
            {config.krb5_conf ? (
              <Badge colorPalette="green" data-testid="kerberos-krb5-status">
                uploaded
              </Badge>
            ) : (
              <Badge colorPalette="gray" data-testid="kerberos-krb5-status">
                not uploaded
              </Badge>
            )}
            {config.krb5_conf && canEdit ? (
              <DeleteButton onClick={deleteKrb5} testId="kerberos-krb5-delete" />
            ) : null}
          </Flex>

          <DataTable
            columns={["Keytab", "Last modified", { end: true, label: "Size" }, "Principals", ""]}
            mb={4}
            testId="kerberos-keytabs"
          >
            {keytabs.length === 0 ? (
              <Table.Row>
                <Table.Cell colSpan={5}>
                  <Text color="fg.muted" data-testid="kerberos-no-keytabs" fontSize="sm">
                    No keytab uploaded.
                  </Text>
                </Table.Cell>
              </Table.Row>
            ) : null}
            {keytabs.map((item) => (
              <Table.Row data-testid={`keytab-row-${item.name}`} key={item.name}>
                <Table.Cell fontFamily="mono">
                  {item.name}
                  {item.name === config.keytab ? (
                    <Badge colorPalette="brand" ml={2} size="sm">
                      selected
                    </Badge>
                  ) : null}
                </Table.Cell>
                <TimeCell time={item.modified} />
                <SizeCell bytes={item.size} />
                <Table.Cell>
                  <HStack gap={1} wrap="wrap">
                    {item.principals.length === 0 ? (
                      <Text color="fg.muted" fontSize="xs">
                        none found
                      </Text>
                    ) : null}
                    {item.principals.map((name) =>
                      canEdit ? (
                        <Button
                          fontFamily="mono"
                          key={name}
                          onClick={() => {
                            setPrincipal(name);
                            setKeytab(item.name);
                          }}
                          size="2xs"
                          title="Use this principal and keytab"
                          variant="outline"
                        >
                          {name}
                        </Button>
                      ) : (
                        <Badge fontFamily="mono" key={name} variant="outline">
                          {name}
                        </Badge>
                      ),
                    )}
                  </HStack>
                </Table.Cell>
                <Table.Cell textAlign="end" width="1%">
                  {canEdit ? <DeleteButton onClick={() => deleteKeytab(item.name)} testId={`keytab-delete-${item.name}`} /> : null}
                </Table.Cell>
              </Table.Row>
            ))}
          </DataTable>

          <Box as="form" maxW="32rem" onSubmit={submit}>
            <Field.Root mb={3}>
              <Field.Label>principal</Field.Label>
              <Input
                data-testid="kerberos-principal"
                fontFamily="mono"
                onChange={(event) => setPrincipal(event.target.value)}
                placeholder="user@EXAMPLE.COM"
                readOnly={!canEdit}
                size="sm"
                value={principal}
              />
            </Field.Root>
            {/* A select inside a Field takes the field's `disabled`, not its own. */}
            <Field.Root disabled={!canEdit} mb={4}>
              <Field.Label>keytab</Field.Label>
              <NativeSelect.Root disabled={!canEdit} size="sm">
                <NativeSelect.Field data-testid="kerberos-keytab" onChange={(event) => setKeytab(event.target.value)} value={keytab}>
                  <option value="">No keytab</option>
                  {(keytab !== "" && !keytabNames.includes(keytab) ? [keytab, ...keytabNames] : keytabNames).map((name) => (
                    <option key={name} value={name}>
                      {name}
                    </option>
                  ))}
                </NativeSelect.Field>
                <NativeSelect.Indicator />
              </NativeSelect.Root>
            </Field.Root>
            {canEdit ? (
              <Button colorPalette="brand" data-testid="kerberos-submit" loading={action.busy} size="sm" type="submit">
                Submit
              </Button>
            ) : null}
          </Box>
        </>
      )}
      {confirm.dialog}
    </>
  );
}
