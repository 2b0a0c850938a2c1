/**
 * Runtime tab: where Python tasks run. The Dask cluster CoutureDaskYarnOperator uses (a local one per
 * task, an existing scheduler, or YARN) and the named Python interpreters of TensorflowOperator and
 * friends. Interpreter paths are code: editing needs can_edit on "WFO Cluster Code Settings".
 */
import { Box, Button, Card, Field, HStack, Input, NativeSelect, SimpleGrid, Spinner, Table, Text } from "@chakra-ui/react";
import { useState, type FormEvent, type ReactNode } from "react";

import { configGroups, DASK_MODES, type DaskMode, type RuntimeConfig } from "../../api/configGroups";
import { ActionOutcome } from "../../components/ActionOutcome";
import { ErrorAlert } from "../../components/ErrorAlert";
import { formError, keyedErrors, type KeyedErrors } from "../../errors";
import { useAction } from "../../hooks/useAction";
import { useAsync } from "../../hooks/useAsync";
import { can, useCurrentUser } from "../../hooks/useMe";
import { RESOURCES } from "../../nav";
import { runtimeDraftOf, runtimeUpdate, type RuntimeDraft } from "./runtimeForm";
import { useGroupChanged } from "./groupChanged";
import { SectionHeading } from "./SectionHeading";

/** The server names refused settings by these paths. */
const FIELD_KEYS = [
  "dask.mode",
  "dask.scheduler_address",
  "dask.local_workers",
  "dask.threads_per_worker",
  "dask.yarn.environment",
  "dask.yarn.worker_vcores",
  "dask.yarn.worker_memory",
  "dask.yarn.n_workers",
  "python_environments",
  "default_python",
  "queue",
] as const;

type FieldKey = (typeof FIELD_KEYS)[number];

/** A free-text setting: the draft field it edits and the server key its refusals name. */
interface TextField {
  key: keyof RuntimeDraft;
  name: FieldKey;
  label: string;
  testId: string;
  placeholder?: string;
  hint?: string;
}

const YARN_ENVIRONMENT_HINT = "A packed environment (conda-pack or venv-pack archive) the YARN containers run.";

/** The text settings of the two Dask cards, a row at a time (several in a row stand side by side). */
const DASK_ROWS: TextField[][] = [
  [{ key: "schedulerAddress", label: "Scheduler address", name: "dask.scheduler_address", placeholder: "tcp://dask-scheduler:8786", testId: "runtime-dask-scheduler-address" }],
  [
    { key: "localWorkers", label: "Local workers", name: "dask.local_workers", testId: "runtime-dask-local-workers" },
    { key: "threadsPerWorker", label: "Threads per worker", name: "dask.threads_per_worker", testId: "runtime-dask-threads" },
  ],
];
const YARN_ROWS: TextField[][] = [
  [{ hint: YARN_ENVIRONMENT_HINT, key: "yarnEnvironment", label: "Environment", name: "dask.yarn.environment", placeholder: "hdfs:///envs/dask.tar.gz", testId: "runtime-yarn-environment" }],
  [
    { key: "yarnWorkers", label: "Workers", name: "dask.yarn.n_workers", testId: "runtime-yarn-workers" },
    { key: "yarnVcores", label: "vcores per worker", name: "dask.yarn.worker_vcores", testId: "runtime-yarn-vcores" },
    { key: "yarnMemory", label: "Memory per worker", name: "dask.yarn.worker_memory", placeholder: "2 GiB", testId: "runtime-yarn-memory" },
  ],
];

const QUEUE_FIELD: TextField = {
  hint: "The Celery queue of this group's tasks when a task names none (a worker on the cluster's edge node: wfo worker --queues NAME). Empty: the platform's default queue. Applies when a DAG file is next parsed (saved, or within 10 minutes).",
  key: "queue",
  label: "Queue",
  name: "queue",
  placeholder: "default",
  testId: "runtime-queue",
};

const MODE_HINTS: Record<DaskMode, string> = {
  local: "Each task starts its own scheduler and worker processes on the Airflow worker, and stops them when it ends.",
  scheduler: "Tasks connect to an existing Dask cluster at the scheduler address.",
  yarn: "Each task starts a Dask cluster on YARN with dask-yarn (install it on the workers; it is no longer maintained upstream).",
};

function Setting({
  label,
  name,
  errors,
  hint,
  disabled,
  children,
}: {
  label: string;
  name: FieldKey;
  errors: KeyedErrors | null;
  hint?: string;
  // A select inside a Field takes the field's `disabled`, not its own.
  disabled: boolean;
  children: ReactNode;
}) {
  const messages = errors?.byKey[name];
  return (
    <Field.Root disabled={disabled} invalid={messages !== undefined}>
      <Field.Label>{label}</Field.Label>
      {children}
      {hint ? <Field.HelperText>{hint}</Field.HelperText> : null}
      {messages === undefined ? null : (
        <Field.ErrorText data-testid={`runtime-${name.replaceAll(".", "-")}-error`}>{messages.join(" ")}</Field.ErrorText>
      )}
    </Field.Root>
  );
}

export function RuntimeTab({ group }: { group: string }) {
  const me = useCurrentUser();
  const canEdit = can(me, RESOURCES.clusterCodeSettings, "can_edit");
  const [draft, setDraft] = useState<RuntimeDraft | null>(null);
  const save = useAction();
  const changed = useGroupChanged();
  const errors = save.cause === null ? null : keyedErrors(save.cause, FIELD_KEYS);

  const show = (config: RuntimeConfig) => setDraft(runtimeDraftOf(config));
  const loaded = useAsync((signal) => configGroups().runtime(group, signal), [group], show);

  const change = (update: Partial<RuntimeDraft>) => {
    save.clear();
    setDraft((current) => (current === null ? current : { ...current, ...update }));
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (draft === null) {
      return;
    }
    void save.run(async () => {
      show(await configGroups().saveRuntime(group, runtimeUpdate(draft)));
      changed();
      return "Runtime configuration saved.";
    });
  };

  const textSetting = (field: TextField) => (
    <Setting disabled={!canEdit} errors={errors} hint={field.hint} key={field.name} label={field.label} name={field.name}>
      <Input
        data-testid={field.testId}
        disabled={!canEdit}
        onChange={(event) => change({ [field.key]: event.target.value })}
        placeholder={field.placeholder}
        size="sm"
        value={draft === null ? "" : (draft[field.key] as string)}
      />
    </Setting>
  );
  const textRows = (rows: TextField[][]) =>
    rows.map((row, index) =>
      row.length === 1 ? (
        textSetting(row[0]!)
      ) : (
        <HStack align="flex-start" gap={3} key={index}>
          {row.map(textSetting)}
        </HStack>
      ),
    );

  return (
    <>
      <SectionHeading
        hint="Where Python tasks run: the Dask cluster of CoutureDaskYarnOperator and the Python interpreters of TensorflowOperator and CoutureTensorflowOperator. Changes apply to newly started tasks."
        title="Runtime: Dask and Python environments"
      />
      <ActionOutcome done={save.done} error={formError(errors)} testId="runtime" />
      {loaded.status === "error" ? <ErrorAlert error={loaded.error} onRetry={loaded.reload} testId="runtime-load-error" /> : null}
      {draft === null ? (
        loaded.status === "loading" ? <Spinner data-testid="runtime-loading" /> : null
      ) : (
        <Box as="form" onSubmit={submit}>
          <SimpleGrid columns={{ base: 1, lg: 2 }} gap={4} maxW="64rem">
            <Card.Root data-testid="runtime-dask-section" size="sm" variant="outline">
              <Card.Header>
                <Card.Title>Dask</Card.Title>
              </Card.Header>
              <Card.Body gap={3}>
                <Setting disabled={!canEdit} errors={errors} hint={MODE_HINTS[draft.mode]} label="Mode" name="dask.mode">
                  <NativeSelect.Root disabled={!canEdit} size="sm">
                    <NativeSelect.Field
                      data-testid="runtime-dask-mode"
                      onChange={(event) => change({ mode: event.target.value as DaskMode })}
                      value={draft.mode}
                    >
                      {DASK_MODES.map((mode) => (
                        <option key={mode} value={mode}>
                          {mode}
                        </option>
                      ))}
                    </NativeSelect.Field>
                    <NativeSelect.Indicator />
                  </NativeSelect.Root>
                </Setting>
                {textRows(DASK_ROWS)}
              </Card.Body>
            </Card.Root>
            <Card.Root data-testid="runtime-yarn-section" size="sm" variant="outline">
              <Card.Header>
                <Card.Title>Dask on YARN</Card.Title>
              </Card.Header>
              <Card.Body gap={3}>
                {textRows(YARN_ROWS)}
              </Card.Body>
            </Card.Root>
          </SimpleGrid>

          <Card.Root data-testid="runtime-python-section" maxW="64rem" mt={4} size="sm" variant="outline">
            <Card.Header>
              <Card.Title>Python environments</Card.Title>
              <Text color="fg.muted" fontSize="sm">
                Tasks choose one with python="name"; without it they use the default below. Each path is an
                interpreter on every worker, like /opt/envs/tf/bin/python.
              </Text>
            </Card.Header>
            <Card.Body gap={3}>
              <Table.Root data-testid="runtime-environments" size="sm">
                <Table.Header>
                  <Table.Row>
                    <Table.ColumnHeader>Name</Table.ColumnHeader>
                    <Table.ColumnHeader>Interpreter path</Table.ColumnHeader>
                    {canEdit ? <Table.ColumnHeader /> : null}
                  </Table.Row>
                </Table.Header>
                <Table.Body>
                  {draft.environments.length === 0 ? (
                    <Table.Row>
                      <Table.Cell colSpan={3}>
                        <Text color="fg.muted" data-testid="runtime-no-environments" fontSize="sm">
                          No Python environments: tasks run with wfo&apos;s own Python.
                        </Text>
                      </Table.Cell>
                    </Table.Row>
                  ) : null}
                  {draft.environments.map((row, index) => {
                    const setRow = (update: Partial<typeof row>) =>
                      change({
                        environments: draft.environments.map((other, i) => (i === index ? { ...other, ...update } : other)),
                      });
                    return (
                      <Table.Row data-testid="runtime-environment-row" key={index}>
                        <Table.Cell>
                          <Input
                            aria-label="Environment name"
                            data-testid={`runtime-environment-name-${index}`}
                            disabled={!canEdit}
                            onChange={(event) => setRow({ name: event.target.value })}
                            size="sm"
                            value={row.name}
                          />
                        </Table.Cell>
                        <Table.Cell width="70%">
                          <Input
                            aria-label="Interpreter path"
                            data-testid={`runtime-environment-path-${index}`}
                            disabled={!canEdit}
                            fontFamily="mono"
                            onChange={(event) => setRow({ path: event.target.value })}
                            placeholder="/opt/envs/tf/bin/python"
                            size="sm"
                            value={row.path}
                          />
                        </Table.Cell>
                        {canEdit ? (
                          <Table.Cell textAlign="end">
                            <Button
                              data-testid={`runtime-environment-remove-${index}`}
                              onClick={() => change({ environments: draft.environments.filter((_, i) => i !== index) })}
                              size="xs"
                              variant="outline"
                            >
                              Remove
                            </Button>
                          </Table.Cell>
                        ) : null}
                      </Table.Row>
                    );
                  })}
                </Table.Body>
              </Table.Root>
              {errors?.byKey.python_environments ? (
                <Text color="fg.error" data-testid="runtime-python_environments-error" fontSize="sm">
                  {errors.byKey.python_environments.join(" ")}
                </Text>
              ) : null}
              {canEdit ? (
                <Box>
                  <Button
                    data-testid="runtime-environment-add"
                    onClick={() => change({ environments: [...draft.environments, { name: "", path: "" }] })}
                    size="xs"
                    variant="outline"
                  >
                    Add environment
                  </Button>
                </Box>
              ) : null}
              <Box maxW="24rem">
                <Setting disabled={!canEdit} errors={errors} label="Default environment" name="default_python">
                  <NativeSelect.Root disabled={!canEdit} size="sm">
                    <NativeSelect.Field
                      data-testid="runtime-default-python"
                      onChange={(event) => change({ defaultPython: event.target.value })}
                      value={draft.defaultPython}
                    >
                      <option value="">wfo&apos;s own Python</option>
                      {draft.environments
                        .filter((row) => row.name.trim() !== "")
                        .map((row) => (
                          <option key={row.name} value={row.name.trim()}>
                            {row.name.trim()}
                          </option>
                        ))}
                    </NativeSelect.Field>
                    <NativeSelect.Indicator />
                  </NativeSelect.Root>
                </Setting>
              </Box>
            </Card.Body>
          </Card.Root>

          <Card.Root data-testid="runtime-workers-section" maxW="64rem" mt={4} size="sm" variant="outline">
            <Card.Header>
              <Card.Title>Workers</Card.Title>
            </Card.Header>
            <Card.Body>
              <Box maxW="24rem">{textSetting(QUEUE_FIELD)}</Box>
            </Card.Body>
          </Card.Root>

          {canEdit ? (
            <Button colorPalette="brand" data-testid="runtime-save" loading={save.busy} mt={4} size="sm" type="submit">
              Save changes
            </Button>
          ) : (
            <Text color="fg.muted" data-testid="runtime-readonly" fontSize="sm" mt={3}>
              You can view these settings; changing them needs edit rights on cluster code settings (Developer or
              Admin), because interpreter paths decide what code runs.
            </Text>
          )}
        </Box>
      )}
    </>
  );
}
