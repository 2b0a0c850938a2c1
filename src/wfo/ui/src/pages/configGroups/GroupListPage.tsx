/** Config groups: the manual's table — search, default badge or "Set default", links, rename/clone/delete. */
import { Badge, Button, Flex, HStack, Link, Spinner, Table, Text } from "@chakra-ui/react";
import { useState } from "react";
import { Link as RouterLink } from "react-router-dom";

import { configGroups, validateGroupName, type ConfigGroupSummary } from "../../api/configGroups";
import { ActionOutcome } from "../../components/ActionOutcome";
import { ConfirmDialog, type ConfirmRequest } from "../../components/ConfirmDialog";
import { ErrorAlert } from "../../components/ErrorAlert";
import { NameDialog, type NameRequest } from "../../components/NameDialog";
import { PageHeader } from "../../components/PageHeader";
import { CopyIcon, RenameIcon } from "../../components/icons";
import { DeleteButton, RowAction } from "../../components/RowActions";
import { SearchInput } from "../../components/SearchInput";
import { useAction } from "../../hooks/useAction";
import { useAppPath } from "../../hooks/useAppPath";
import { useAsync } from "../../hooks/useAsync";
import { can, useCurrentUser } from "../../hooks/useMe";
import { RESOURCES } from "../../nav";
import { formatTime } from "../../time";
import { GROUP_TABS } from "./tabs";

interface Rights {
  create: boolean;
  edit: boolean;
  remove: boolean;
}

function GroupRow({
  group,
  rights,
  busy,
  onSetDefault,
  onRename,
  onClone,
  onDelete,
}: {
  group: ConfigGroupSummary;
  rights: Rights;
  busy: boolean;
  onSetDefault: () => void;
  onRename: () => void;
  onClone: () => void;
  onDelete: () => void;
}) {
  const appPath = useAppPath();
  const base = `config-groups/${encodeURIComponent(group.name)}`;
  return (
    <Table.Row data-testid={`group-row-${group.name}`}>
      <Table.Cell>
        <Link asChild color="fg.info" fontWeight="semibold">
          <RouterLink data-testid={`group-link-${group.name}`} to={appPath(base)}>
            {group.name}
          </RouterLink>
        </Link>
        {group.missing_hadoop_files.length > 0 ? (
          <Text color="fg.warning" data-testid={`group-missing-${group.name}`} fontSize="xs">
            Missing Hadoop files: {group.missing_hadoop_files.join(", ")}
          </Text>
        ) : null}
      </Table.Cell>
      <Table.Cell>
        {group.is_default ? (
          <Badge colorPalette="green" data-testid={`group-default-badge-${group.name}`}>
            Default group
          </Badge>
        ) : rights.edit ? (
          <Button
            data-testid={`group-set-default-${group.name}`}
            disabled={busy}
            onClick={onSetDefault}
            size="xs"
            variant="outline"
          >
            Set default
          </Button>
        ) : null}
      </Table.Cell>
      <Table.Cell>
        <HStack gap={3} wrap="wrap">
          {GROUP_TABS.map((tab) => (
            <Link asChild color="fg.info" fontSize="sm" key={tab.path}>
              <RouterLink data-testid={`group-${tab.path}-link-${group.name}`} to={appPath(`${base}/${tab.path}`)}>
                {tab.label}
              </RouterLink>
            </Link>
          ))}
        </HStack>
      </Table.Cell>
      <Table.Cell fontFamily="mono" fontSize="xs">
        {group.spark_master ?? "—"}
      </Table.Cell>
      <Table.Cell color="fg.muted" fontSize="xs" whiteSpace="nowrap">
        {formatTime(group.updated_at)}
        {group.updated_by === null ? "" : ` by ${group.updated_by}`}
      </Table.Cell>
      <Table.Cell whiteSpace="nowrap">
        <HStack gap={1} justify="flex-end">
          {rights.edit ? (
            <RowAction
              ariaLabel={`Rename ${group.name}`}
              icon={<RenameIcon />}
              label="Rename"
              onClick={onRename}
              testId={`group-rename-${group.name}`}
            />
          ) : null}
          {rights.create ? (
            <RowAction
              ariaLabel={`Clone ${group.name}`}
              icon={<CopyIcon />}
              label="Clone"
              onClick={onClone}
              testId={`group-clone-${group.name}`}
            />
          ) : null}
          {rights.remove ? (
            <DeleteButton label={`Delete ${group.name}`} onClick={onDelete} testId={`group-delete-${group.name}`} />
          ) : null}
        </HStack>
      </Table.Cell>
    </Table.Row>
  );
}

export function GroupListPage() {
  const me = useCurrentUser();
  const rights: Rights = {
    create: can(me, RESOURCES.configGroups, "can_create"),
    edit: can(me, RESOURCES.configGroups, "can_edit"),
    remove: can(me, RESOURCES.configGroups, "can_delete"),
  };
  const appPath = useAppPath();
  const loaded = useAsync((signal) => configGroups().list(signal), []);
  const [search, setSearch] = useState("");
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const [naming, setNaming] = useState<NameRequest | null>(null);
  const action = useAction();
  // What a dialog (add, clone, rename, delete) did; "Set default" reports through `action`.
  const [done, setDone] = useState<string | null>(null);
  const report = (message: string) => {
    action.clear();
    setDone(message);
  };

  const groups = loaded.data?.groups ?? [];
  const needle = search.trim().toLowerCase();
  const shown = groups.filter((group) => group.name.toLowerCase().includes(needle));
  const defaultGroup = groups.find((group) => group.is_default);

  const nameRequest = (request: Omit<NameRequest, "validate" | "label">): NameRequest => ({
    ...request,
    label: "Group name",
    validate: validateGroupName,
  });
  const addGroup = () =>
    setNaming(
      nameRequest({
        initial: "",
        submit: async (name) => {
          await configGroups().create(name);
          loaded.reload();
          report(`Added the group “${name}”.`);
        },
        submitLabel: "Add group",
        title: "Add a group",
      }),
    );
  const cloneGroup = (group: string) =>
    setNaming(
      nameRequest({
        initial: `${group}-copy`,
        submit: async (name) => {
          await configGroups().clone(group, name);
          loaded.reload();
          report(`Cloned “${group}” as “${name}”.`);
        },
        submitLabel: "Clone",
        title: `Clone ${group}`,
      }),
    );
  const renameGroup = (group: string) =>
    setNaming(
      nameRequest({
        initial: group,
        submit: async (name) => {
          await configGroups().rename(group, name);
          loaded.reload();
          report(`Renamed “${group}” to “${name}”.`);
        },
        submitLabel: "Rename",
        title: `Rename ${group}`,
      }),
    );
  const deleteGroup = (group: string) =>
    setConfirm({
      action: async () => {
        await configGroups().remove(group);
        loaded.reload();
        report(`Deleted the group “${group}”.`);
      },
      confirmLabel: "Delete group",
      message: `Delete the config group “${group}” with its Hadoop files, Spark settings, Kerberos files, Livy and runtime settings? Tasks that name it will fail.`,
      title: "Delete config group",
    });
  const setDefault = (group: string) =>
    void action.run(async () => {
      setDone(null);
      await configGroups().setDefault(group);
      loaded.reload();
      return `“${group}” is now the default group.`;
    });

  return (
    <>
      <PageHeader
        actions={
          <HStack gap={2}>
            {defaultGroup === undefined ? null : (
              <Button asChild size="sm" variant="outline">
                <RouterLink
                  data-testid="group-open-default"
                  to={appPath(`config-groups/${encodeURIComponent(defaultGroup.name)}`)}
                >
                  Open default group
                </RouterLink>
              </Button>
            )}
            {rights.create ? (
              <Button colorPalette="brand" data-testid="group-add" onClick={addGroup} size="sm">
                Add a group
              </Button>
            ) : null}
          </HStack>
        }
        description="Each group holds everything a job needs to reach one Hadoop/Spark cluster. Operators use the default group unless they name another one; changes apply to newly started jobs."
        title="Config groups"
      />
      <Flex align="center" gap={3} mb={3}>
        <SearchInput onChange={setSearch} placeholder="Search group" testId="group-search" value={search} />
        {loaded.status === "loading" && loaded.data !== undefined ? <Spinner size="sm" /> : null}
      </Flex>
      <ActionOutcome done={action.done ?? done} error={action.error} testId="groups" />
      {loaded.status === "error" ? <ErrorAlert error={loaded.error} onRetry={loaded.reload} testId="groups-load-error" /> : null}
      {loaded.data === undefined && loaded.status === "loading" ? <Spinner data-testid="groups-loading" /> : null}
      {loaded.data !== undefined && shown.length === 0 ? (
        <Text color="fg.muted" data-testid="groups-empty" py={6}>
          {groups.length === 0 ? "There are no config groups yet." : "No group matches this search."}
        </Text>
      ) : null}
      {shown.length > 0 ? (
        <Table.ScrollArea borderWidth="1px" rounded="md">
          <Table.Root data-testid="groups-table" size="sm">
            <Table.Header>
              <Table.Row>
                <Table.ColumnHeader>Group name</Table.ColumnHeader>
                <Table.ColumnHeader>Default</Table.ColumnHeader>
                <Table.ColumnHeader>Configurations</Table.ColumnHeader>
                <Table.ColumnHeader>Spark master</Table.ColumnHeader>
                <Table.ColumnHeader>Last changed</Table.ColumnHeader>
                <Table.ColumnHeader />
              </Table.Row>
            </Table.Header>
            <Table.Body>
              {shown.map((group) => (
                <GroupRow
                  busy={action.busy}
                  group={group}
                  key={group.name}
                  onClone={() => cloneGroup(group.name)}
                  onDelete={() => deleteGroup(group.name)}
                  onRename={() => renameGroup(group.name)}
                  onSetDefault={() => setDefault(group.name)}
                  rights={rights}
                />
              ))}
            </Table.Body>
          </Table.Root>
        </Table.ScrollArea>
      ) : null}
      <ConfirmDialog onClose={() => setConfirm(null)} request={confirm} />
      <NameDialog onClose={() => setNaming(null)} request={naming} />
    </>
  );
}
