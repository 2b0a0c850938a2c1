/**
 * Jupyter Notebook (Developer/Admin): open JupyterLab on the platform's JupyterHub without a second login,
 * and manage the notebooks of the user's own folder and of `common_workspace` (the folder
 * CoutureJupyterOperator runs notebooks from): upload, download, view read-only, delete; schedule a notebook
 * of common_workspace (a generated DAG) and see its runs; git for the user's folder.
 */
import { Badge, Button, Card, Flex, HStack, NativeSelect, Table, Tabs, Text } from "@chakra-ui/react";
import { useState } from "react";

import { notebooks, type NotebookEntry, type NotebookFolder } from "../api/notebooks";
import { useConfirm } from "../components/ConfirmDialog";
import { FileRepository } from "../components/FileRepository";
import { PageHeader } from "../components/PageHeader";
import { DeleteButton, DownloadLink } from "../components/RowActions";
import { useAction } from "../hooks/useAction";
import { useAsync } from "../hooks/useAsync";
import { can, useCurrentUser } from "../hooks/useMe";
import { RESOURCES } from "../nav";
import { GitPanel } from "./notebooks/GitPanel";
import { ScheduleDialog } from "./notebooks/ScheduleDialog";
import { RunsDialog, SchedulesPanel } from "./notebooks/SchedulesPanel";

interface Listed extends NotebookEntry {
  name: string;
}

const FOLDER_NAMES: Record<NotebookFolder, string> = { common: "common_workspace", own: "My folder" };

function shownName(entry: NotebookEntry): string {
  return entry.folder === "common" ? `common_workspace/${entry.path}` : entry.path;
}

export function NotebooksPage() {
  const me = useCurrentUser();
  const canCreate = can(me, RESOURCES.notebooks, "can_create");
  const canDelete = can(me, RESOURCES.notebooks, "can_delete");
  const loaded = useAsync((signal) => notebooks().list(signal), []);
  const [search, setSearch] = useState("");
  const [target, setTarget] = useState<NotebookFolder>("own");
  const confirm = useConfirm();
  const action = useAction();
  const opening = useAction();
  const [tab, setTab] = useState("files");
  const [scheduling, setScheduling] = useState<string | null>(null);
  const [runsOf, setRunsOf] = useState<string | null>(null);

  const needle = search.trim().toLowerCase();
  const files: Listed[] | undefined = loaded.data?.notebooks
    .map((entry) => ({ ...entry, name: shownName(entry) }))
    .filter((entry) => entry.name.toLowerCase().includes(needle));

  const openLab = () => {
    // Opened now, while the click still counts as the user's gesture; pointed at the hub once the
    // one-time link is there (popup blockers refuse a window opened after an await).
    const tab = globalThis.open("about:blank", "_blank");
    void opening.run(async () => {
      try {
        const { url } = await notebooks().login();
        if (tab === null) {
          globalThis.location.assign(url);
        } else {
          tab.opener = null;
          tab.location.href = url;
        }
      } catch (caught) {
        tab?.close();
        throw caught;
      }
      return null;
    });
  };

  const onFiles = (chosen: File[]) =>
    void action.run(async () => {
      for (const file of chosen) {
        await notebooks().upload(file, target);
      }
      loaded.reload();
      return `Uploaded ${chosen.map((file) => file.name).join(", ")} to ${FOLDER_NAMES[target]}.`;
    });
  const remove = (entry: Listed) =>
    confirm.ask({
      action: async () => {
        await notebooks().remove(entry.folder, entry.path);
        loaded.reload();
      },
      confirmLabel: "Delete notebook",
      message:
        entry.folder === "common"
          ? `Delete ${entry.name}? DAGs that run it with CoutureJupyterOperator will fail until it is back.`
          : `Delete ${entry.name} from your folder?`,
      title: "Delete notebook",
    });

  return (
    <>
      <PageHeader
        description="JupyterLab on the platform's JupyterHub, with kernels that know the cluster (PySpark on the default config group, sparkmagic over Livy, the named Python environments). Notebooks in common_workspace are the ones DAGs run."
        title="Jupyter Notebook"
      />
      <Card.Root mb={4} variant="outline">
        <Card.Body>
          <Flex align="center" gap={4} wrap="wrap">
            <Button colorPalette="brand" data-testid="notebooks-open-lab" loading={opening.busy} onClick={openLab} size="lg">
              Open JupyterLab
            </Button>
            <Text color="fg.muted" fontSize="sm">
              Opens in a new tab, logged in as you. Your server starts on the first visit and stops after a while
              without use.
            </Text>
          </Flex>
          {opening.error ? (
            <Text color="fg.error" data-testid="notebooks-open-error" mt={2}>
              {opening.error}
            </Text>
          ) : null}
        </Card.Body>
      </Card.Root>
      <Tabs.Root mb={4} onValueChange={(details) => setTab(details.value)} value={tab} variant="line">
        <Tabs.List>
          <Tabs.Trigger data-testid="notebooks-tab-files" value="files">
            Notebooks
          </Tabs.Trigger>
          <Tabs.Trigger data-testid="notebooks-tab-schedules" value="schedules">
            Schedules
          </Tabs.Trigger>
          <Tabs.Trigger data-testid="notebooks-tab-git" value="git">
            Git
          </Tabs.Trigger>
        </Tabs.List>
      </Tabs.Root>
      {tab === "schedules" ? <SchedulesPanel canWrite={canCreate} /> : null}
      {tab === "git" ? <GitPanel /> : null}
      {tab === "files" ? (
        <>
        {canCreate ? (
          <HStack mb={2}>
            <Text fontSize="sm">Upload to</Text>
            <NativeSelect.Root size="sm" width="14rem">
              <NativeSelect.Field
                data-testid="notebooks-upload-folder"
                onChange={(event) => setTarget(event.currentTarget.value === "common" ? "common" : "own")}
                value={target}
              >
                <option value="own">{FOLDER_NAMES.own}</option>
                <option value="common">{FOLDER_NAMES.common}</option>
              </NativeSelect.Field>
              <NativeSelect.Indicator />
            </NativeSelect.Root>
          </HStack>
        ) : null}
        <FileRepository<Listed>
          actions={(entry) => (
            <>
              <Button asChild size="xs" variant="ghost">
                <a
                  data-testid={`notebook-view-${entry.name}`}
                  href={notebooks().viewUrl(entry.folder, entry.path)}
                  rel="noopener noreferrer"
                  target="_blank"
                >
                  View
                </a>
              </Button>
              {entry.folder === "common" && canCreate ? (
                <Button data-testid={`notebook-schedule-${entry.name}`} onClick={() => setScheduling(entry.name)} size="xs" variant="ghost">
                  Schedule
                </Button>
              ) : null}
              {entry.folder === "common" ? (
                <Button data-testid={`notebook-runs-${entry.name}`} onClick={() => setRunsOf(entry.name)} size="xs" variant="ghost">
                  Runs
                </Button>
              ) : null}
              <DownloadLink
                fileName={entry.path.split("/").pop() ?? entry.path}
                href={notebooks().downloadUrl(entry.folder, entry.path)}
                testId={`notebook-download-${entry.name}`}
              />
              {canDelete ? (
                <DeleteButton label={`Delete ${entry.name}`} onClick={() => remove(entry)} testId={`notebook-delete-${entry.name}`} />
              ) : null}
            </>
          )}
          empty={loaded.data?.notebooks.length === 0 ? "No notebooks yet: open JupyterLab or upload one." : "No notebook matches this search."}
          extra={[
            {
              cell: (entry) => (
                <Table.Cell>
                  <Badge colorPalette={entry.folder === "common" ? "blue" : "gray"}>{FOLDER_NAMES[entry.folder]}</Badge>
                </Table.Cell>
              ),
              column: "Folder",
            },
          ]}
          files={files}
          loaded={loaded}
          outcome={action}
          rowTestId="notebook"
          search={{ onChange: setSearch, placeholder: "Search notebook", testId: "notebooks-search", value: search }}
          testId="notebooks"
          upload={canCreate ? { busy: action.busy, extensions: [".ipynb"], onFiles, testId: "notebooks-drop-zone", uploadTestId: "notebooks-upload" } : null}
        />
        </>
      ) : null}
      {scheduling !== null ? <ScheduleDialog notebook={scheduling} onClose={() => setScheduling(null)} /> : null}
      {runsOf !== null ? <RunsDialog notebook={runsOf} onClose={() => setRunsOf(null)} /> : null}
      {confirm.dialog}
    </>
  );
}
