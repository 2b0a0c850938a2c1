/**
 * Exploratory data analysis: saved sources with their "Preliminary" and "Data importance" runs (the play
 * buttons start a run of the `wfo_eda` DAG), the run's state, and each source's outputs tree; a report
 * opens in a new tab (served sandboxed).
 */
import { Badge, Box, Button, Card, Field, Flex, HStack, Input, Link, NativeSelect, Spinner, Table, Text } from "@chakra-ui/react";
import { useCallback, useEffect, useState, type FormEvent } from "react";

import { eda, type EdaEngine, type EdaKind, type EdaOutput, type EdaRun, type EdaSource } from "../api/eda";
import { ErrorAlert } from "../components/ErrorAlert";
import { PageHeader } from "../components/PageHeader";
import { useAsync } from "../hooks/useAsync";
import { can, useCurrentUser } from "../hooks/useMe";
import { RESOURCES } from "../nav";

const KIND_LABEL: Record<EdaKind, string> = { preliminary: "Preliminary", data_importance: "Data importance" };
const FINISHED = new Set(["success", "failed"]);

function message(caught: unknown): string {
  return caught instanceof Error ? caught.message : String(caught);
}

/** Polls a started run until it finishes; tells the page when it did (to refresh the outputs). */
function RunStatus({ runId, output, onFinished }: { runId: string; output: string; onFinished: () => void }) {
  const [run, setRun] = useState<EdaRun | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const next = await eda().run(runId);
        if (stopped) return;
        setRun(next);
        if (FINISHED.has(next.state)) {
          onFinished();
          return;
        }
      } catch (caught: unknown) {
        if (!stopped) setError(message(caught));
      }
      timer = setTimeout(() => void poll(), 2000);
    };
    void poll();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [runId, onFinished]);
  const state = run?.state ?? "queued";
  return (
    <Card.Root data-testid="eda-run" size="sm" variant="subtle">
      <Card.Body gap={1}>
        <HStack gap={2} wrap="wrap">
          {FINISHED.has(state) ? null : <Spinner size="xs" />}
          <Text>
            Run <code>{runId}</code>:{" "}
            <Badge colorPalette={state === "success" ? "green" : state === "failed" ? "red" : "gray"} data-testid="eda-run-state">
              {state}
            </Badge>
          </Text>
          {run ? (
            <Link href={run.dag_run_url} rel="noopener noreferrer" target="_blank">
              Airflow run
            </Link>
          ) : null}
          {run?.report_url ? (
            <Link data-testid="eda-run-report" href={run.report_url} rel="noopener noreferrer" target="_blank">
              Open report
            </Link>
          ) : null}
        </HStack>
        <Text color="fg.muted" fontSize="xs" wordBreak="break-all">
          Output: {output}
        </Text>
        {error ? <Text color="fg.error">{error}</Text> : null}
      </Card.Body>
    </Card.Root>
  );
}

function Outputs({ outputs, canDelete, onChanged }: { outputs: EdaOutput[]; canDelete: boolean; onChanged: () => void }) {
  const [error, setError] = useState<string | null>(null);
  if (outputs.length === 0) {
    return (
      <Text color="fg.muted" fontSize="sm">
        No outputs yet.
      </Text>
    );
  }
  const remove = async (folder: string) => {
    if (!globalThis.confirm(`Delete the outputs in ${folder}?`)) return;
    try {
      await eda().deleteOutput(folder);
      onChanged();
    } catch (caught: unknown) {
      setError(message(caught));
    }
  };
  return (
    <Box data-testid="eda-outputs" fontSize="sm">
      {outputs.map((output) => (
        <HStack gap={3} key={output.folder} py={0.5}>
          <Text minW="9rem">{KIND_LABEL[output.kind]}</Text>
          <Text color="fg.muted" fontFamily="mono" minW="12rem">
            {output.timestamp}
          </Text>
          {output.report ? (
            <Link data-testid="eda-output-report" href={eda().outputUrl(output.report)} rel="noopener noreferrer" target="_blank">
              report.html
            </Link>
          ) : (
            <Text color="fg.muted">running…</Text>
          )}
          {output.json_key ? (
            <Link href={eda().outputUrl(output.json_key)} rel="noopener noreferrer" target="_blank">
              JSON
            </Link>
          ) : null}
          {canDelete ? (
            <Button onClick={() => void remove(output.folder)} size="2xs" variant="ghost">
              Delete
            </Button>
          ) : null}
        </HStack>
      ))}
      {error ? <Text color="fg.error">{error}</Text> : null}
    </Box>
  );
}

function SourceRow({ source, canRun, canDelete, onChanged }: { source: EdaSource; canRun: boolean; canDelete: boolean; onChanged: () => void }) {
  const [target, setTarget] = useState(source.target ?? "");
  const [engine, setEngine] = useState<EdaEngine>("auto");
  const [started, setStarted] = useState<{ runId: string; output: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const start = async (kind: EdaKind) => {
    setError(null);
    setStarted(null); // the previous run's state must not stand for the new one while it is requested
    try {
      const created = await eda().start(
        source.source,
        kind,
        kind === "data_importance" ? target.trim() || null : null,
        kind === "preliminary" ? engine : "auto", // data importance runs on polars
      );
      setStarted({ output: created.output, runId: created.run_id });
      onChanged();
    } catch (caught: unknown) {
      setError(message(caught));
    }
  };
  const remove = async () => {
    if (!globalThis.confirm(`Remove the source ${source.source}? Its outputs stay.`)) return;
    try {
      await eda().deleteSource(source.id);
      onChanged();
    } catch (caught: unknown) {
      setError(message(caught));
    }
  };
  return (
    <Table.Row data-testid="eda-source">
      <Table.Cell verticalAlign="top" wordBreak="break-all">
        <Text fontFamily="mono" fontSize="sm">
          {source.source}
        </Text>
      </Table.Cell>
      <Table.Cell verticalAlign="top">
        {canRun ? (
          <Flex direction="column" gap={2}>
            <HStack gap={2} wrap="wrap">
              <Button data-testid="eda-run-preliminary" onClick={() => void start("preliminary")} size="xs" title="Run the preliminary report">
                ▶ Preliminary
              </Button>
              <NativeSelect.Root size="xs" width="7rem">
                <NativeSelect.Field
                  aria-label="Engine of the preliminary report"
                  data-testid="eda-engine"
                  onChange={(event) => setEngine(event.target.value as EdaEngine)}
                  title="auto: Spark for files above the platform's size threshold"
                  value={engine}
                >
                  <option value="auto">auto</option>
                  <option value="polars">polars</option>
                  <option value="spark">Spark</option>
                </NativeSelect.Field>
                <NativeSelect.Indicator />
              </NativeSelect.Root>
              <Input
                aria-label="Target column"
                data-testid="eda-target"
                onChange={(event) => setTarget(event.target.value)}
                placeholder="target column"
                size="xs"
                value={target}
                width="10rem"
              />
              <Button
                data-testid="eda-run-importance"
                disabled={target.trim() === ""}
                onClick={() => void start("data_importance")}
                size="xs"
                title="Run the data-importance report for the target column"
              >
                ▶ Data importance
              </Button>
              {canDelete ? (
                <Button data-testid="eda-source-delete" onClick={() => void remove()} size="xs" variant="ghost">
                  Delete
                </Button>
              ) : null}
            </HStack>
            {started ? <RunStatus key={started.runId} onFinished={onChanged} output={started.output} runId={started.runId} /> : null}
            {error ? (
              <Text color="fg.error" data-testid="eda-error">
                {error}
              </Text>
            ) : null}
          </Flex>
        ) : null}
      </Table.Cell>
      <Table.Cell verticalAlign="top">
        <Outputs canDelete={canDelete} onChanged={onChanged} outputs={source.outputs} />
      </Table.Cell>
    </Table.Row>
  );
}

/** The source string of a read-only query through an Airflow connection (the SQL URL-encoded). */
export function querySource(connection: string, sql: string): string {
  return `conn://${connection.trim()}?query=${encodeURIComponent(sql.trim())}`;
}

function AddSource({ onAdded }: { onAdded: () => void }) {
  const [value, setValue] = useState("");
  const [connection, setConnection] = useState("");
  const [sql, setSql] = useState("");
  const [error, setError] = useState<string | null>(null);
  const add = async (source: string) => {
    setError(null);
    try {
      await eda().addSource(source, null);
      setValue("");
      setSql("");
      onAdded();
    } catch (caught: unknown) {
      setError(message(caught));
    }
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await add(value.trim());
  };
  return (
    <Box as="form" mb={4} onSubmit={(event: FormEvent) => void submit(event)}>
      <Field.Root invalid={error !== null} maxW="48rem">
        <Field.Label>Add a data source</Field.Label>
        <HStack gap={2} width="100%">
          <Input
            data-testid="eda-source-input"
            onChange={(event) => setValue(event.target.value)}
            placeholder="file:///…/data.csv, store://datasets/x.csv, conn://<connection>/<schema.table> or a dataset's name"
            value={value}
          />
          <Button colorPalette="brand" data-testid="eda-source-add" disabled={value.trim() === ""} type="submit">
            Add
          </Button>
        </HStack>
        {error === null ? (
          <Field.HelperText>
            Files under the instance's data folders, objects of the object store, datasets of Models and datasets (by name,
            or dataset://name@version), HDFS files (webhdfs://connection/path.csv), S3 objects
            (s3://bucket/key.csv?conn=connection, aws_default without conn=), or tables through an Airflow connection
            (credentials stay in the connection).
          </Field.HelperText>
        ) : (
          <Field.ErrorText data-testid="eda-source-error">{error}</Field.ErrorText>
        )}
      </Field.Root>
      <HStack gap={2} maxW="48rem" mt={2}>
        <Input
          aria-label="Connection id"
          data-testid="eda-query-connection"
          maxW="12rem"
          onChange={(event) => setConnection(event.target.value)}
          placeholder="connection id"
          value={connection}
        />
        <Input
          aria-label="Read-only query"
          data-testid="eda-query-sql"
          onChange={(event) => setSql(event.target.value)}
          placeholder="or a read-only query: SELECT … (one statement)"
          value={sql}
        />
        <Button
          data-testid="eda-query-add"
          disabled={connection.trim() === "" || sql.trim() === ""}
          onClick={() => void add(querySource(connection, sql))}
          variant="outline"
        >
          Add query
        </Button>
      </HStack>
    </Box>
  );
}

function UploadFile() {
  const [file, setFile] = useState<File | null>(null);
  const [started, setStarted] = useState<{ runId: string; output: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const noop = useCallback(() => undefined, []);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (file === null) return;
    setError(null);
    setStarted(null);
    setSending(true);
    try {
      const created = await eda().upload(file);
      setStarted({ output: created.output, runId: created.run_id });
    } catch (caught: unknown) {
      setError(message(caught));
    } finally {
      setSending(false);
    }
  };
  return (
    <Box as="form" mb={6} onSubmit={(event: FormEvent) => void submit(event)}>
      <Field.Root invalid={error !== null} maxW="48rem">
        <Field.Label>Or upload a file for a preliminary report (not kept)</Field.Label>
        <HStack gap={2}>
          <Input
            accept=".csv,.tsv,.tab,.txt,.xlsx,.xlsm,.xlsb,.xls,.ods"
            data-testid="eda-upload-input"
            onChange={(event) => setFile(event.target.files?.[0] ?? null)}
            p={1}
            type="file"
          />
          <Button data-testid="eda-upload" disabled={file === null} loading={sending} type="submit">
            ▶ Preliminary
          </Button>
        </HStack>
        {error === null ? null : <Field.ErrorText data-testid="eda-upload-error">{error}</Field.ErrorText>}
      </Field.Root>
      {started ? (
        <Box mt={2}>
          <RunStatus key={started.runId} onFinished={noop} output={started.output} runId={started.runId} />
        </Box>
      ) : null}
    </Box>
  );
}

export function EdaPage() {
  const me = useCurrentUser();
  const sources = useAsync((signal) => eda().sources(signal), []);
  const canRun = can(me, RESOURCES.eda, "can_create");
  const canDelete = can(me, RESOURCES.eda, "can_delete");
  return (
    <Box>
      <PageHeader
        description="Statistics, charts and correlations of a data source (Preliminary), and how much each column tells about a target (Data importance). Runs go to the wfo_eda DAG; reports open in a new tab."
        title="Exploratory data analysis"
      />
      {canRun ? <AddSource onAdded={sources.reload} /> : null}
      {canRun ? <UploadFile /> : null}
      {sources.status === "error" ? <ErrorAlert error={sources.error} onRetry={sources.reload} /> : null}
      {sources.data === undefined ? (
        <Spinner />
      ) : sources.data.sources.length === 0 ? (
        <Text color="fg.muted">No sources yet.</Text>
      ) : (
        <Table.Root data-testid="eda-sources" size="sm">
          <Table.Header>
            <Table.Row>
              <Table.ColumnHeader>Source</Table.ColumnHeader>
              <Table.ColumnHeader>Run</Table.ColumnHeader>
              <Table.ColumnHeader>Outputs</Table.ColumnHeader>
            </Table.Row>
          </Table.Header>
          <Table.Body>
            {sources.data.sources.map((source) => (
              <SourceRow canDelete={canDelete} canRun={canRun} key={source.id} onChanged={sources.reload} source={source} />
            ))}
          </Table.Body>
        </Table.Root>
      )}
    </Box>
  );
}
