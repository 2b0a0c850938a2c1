/**
 * Models and datasets (the manual's Developer menu): one section per kind (TF models, Spark models as
 * PMML, PyTorch models, ONNX models, other models, datasets) with a drop zone, the entries and their
 * serving state. Opening an entry shows its versions (download, restore, delete), its endpoints and a
 * copyable curl example, its API keys (a new key is shown once), the public switch (Admin) and a
 * "try it" box that sends a JSON request to the model through the API and shows the reply.
 */
import { Badge, Box, Button, Card, Code, Field, Flex, Heading, HStack, Input, Link, Table, Text, Textarea } from "@chakra-ui/react";
import { useEffect, useState } from "react";

import { models, type ModelDetail, type ModelKind, type ModelState, type ModelSummary, type TryResult } from "../api/models";
import { ActionOutcome } from "../components/ActionOutcome";
import { useConfirm } from "../components/ConfirmDialog";
import { DropZone } from "../components/DropZone";
import { ErrorAlert } from "../components/ErrorAlert";
import { PageHeader } from "../components/PageHeader";
import { formatSize, shortHash } from "../format";
import { useAction } from "../hooks/useAction";
import { useAsync } from "../hooks/useAsync";
import { can, useCurrentUser } from "../hooks/useMe";
import { RESOURCES } from "../nav";

interface Section {
  kind: ModelKind;
  title: string;
  description: string;
  extensions: readonly string[];
}

const SECTIONS: readonly Section[] = [
  { kind: "tensorflow", title: "TF models", description: "TensorFlow SavedModels as .tar / .tar.gz archives; served on TF-Serving's REST routes and the Open Inference Protocol.", extensions: [".tar", ".gz", ".tgz", ".zip"] },
  { kind: "pmml", title: "Spark models", description: "PMML documents (Spark, scikit-learn ... exported to PMML); served on Openscoring's routes (one record or CSV) and the Open Inference Protocol.", extensions: [".pmml", ".xml"] },
  { kind: "pytorch", title: "PyTorch models", description: "TorchServe archives (.mar, from torch-model-archiver); served on TorchServe's /predictions routes and the Open Inference Protocol.", extensions: [".mar"] },
  { kind: "onnx", title: "ONNX models", description: "ONNX graphs (from skl2onnx, torch.onnx ...); served on the Open Inference Protocol and TF-Serving's :predict.", extensions: [".onnx"] },
  { kind: "other", title: "Other models", description: "Archives kept with their versions, not served.", extensions: [".tar", ".gz", ".tgz", ".zip"] },
  { kind: "dataset", title: "Datasets", description: "Any file, versioned; DAGs fetch it by name (wfo.repositories.models.fetch_model).", extensions: [] },
];

const STATE_COLOR: Record<ModelState, string> = { serving: "green", loading: "yellow", failed: "red", stored: "gray" };

function StateBadge({ state, testId }: { state: ModelState; testId: string }) {
  return (
    <Badge colorPalette={STATE_COLOR[state]} data-testid={testId}>
      {state}
    </Badge>
  );
}

function when(value: string | null): string {
  return value ? new Date(value).toLocaleString() : "";
}

/** The upload area of a section: a name (default: the file name without its extension) and the file. */
function UploadArea({ section, onUploaded }: { section: Section; onUploaded: (name: string) => void }) {
  const [name, setName] = useState("");
  const upload = useAction();
  const onFiles = (files: File[]) =>
    void upload.run(async () => {
      if (files.length > 1 && name.trim()) {
        throw new Error("Several files get a name each from their file names: clear the name field, or drop one file.");
      }
      const lines: string[] = [];
      for (const file of files) {
        // Without a name, the file name without its extension, in the characters a name may have.
        const chosen = name.trim() || file.name.replace(/(\.tar)?\.[^.]+$/, "").replace(/[^A-Za-z0-9_.-]/g, "-");
        const result = await models().upload(section.kind, chosen, file);
        lines.push(result.unchanged ? `${result.name}: same content as version ${result.version}, nothing added.` : `${result.name}: version ${result.version} uploaded.`);
        onUploaded(result.name);
      }
      setName("");
      return lines.join(" ");
    });
  return (
    <Box>
      <Field.Root maxW="sm" mb={2}>
        <Field.Label>Name (optional; a known name gets a new version)</Field.Label>
        <Input data-testid={`models-${section.kind}-name`} onChange={(event) => setName(event.target.value)} placeholder="e.g. churn-model" size="sm" value={name} />
      </Field.Root>
      <DropZone
        busy={upload.busy}
        extensions={section.extensions}
        onFiles={onFiles}
        testId={`models-${section.kind}-drop-zone`}
        uploadTestId={`models-${section.kind}-upload`}
      />
      <ActionOutcome done={upload.done} error={upload.error} testId={`models-${section.kind}-upload`} />
    </Box>
  );
}

function EntriesTable({ entries, onOpen, opened }: { entries: ModelSummary[]; onOpen: (name: string) => void; opened: string | null }) {
  if (entries.length === 0) {
    return (
      <Text color="fg.muted" fontSize="sm" mb={2}>
        Nothing uploaded yet.
      </Text>
    );
  }
  return (
    <Table.Root mb={3} size="sm" variant="outline">
      <Table.Header>
        <Table.Row>
          <Table.ColumnHeader>Name</Table.ColumnHeader>
          <Table.ColumnHeader>Version</Table.ColumnHeader>
          <Table.ColumnHeader>State</Table.ColumnHeader>
          <Table.ColumnHeader>Size</Table.ColumnHeader>
          <Table.ColumnHeader>Uploaded</Table.ColumnHeader>
        </Table.Row>
      </Table.Header>
      <Table.Body>
        {entries.map((entry) => (
          <Table.Row bg={opened === entry.name ? "bg.subtle" : undefined} data-testid={`model-row-${entry.name}`} key={entry.name}>
            <Table.Cell>
              <Button data-testid={`model-open-${entry.name}`} onClick={() => onOpen(entry.name)} size="xs" variant="plain">
                {entry.name}
              </Button>
              {entry.public ? <Badge ml={2}>public</Badge> : null}
            </Table.Cell>
            <Table.Cell>
              v{entry.version} ({entry.versions} kept)
            </Table.Cell>
            <Table.Cell>
              <StateBadge state={entry.state} testId={`model-state-${entry.name}`} />
              {entry.error ? (
                <Text color="fg.error" fontSize="xs">
                  {entry.error}
                </Text>
              ) : null}
            </Table.Cell>
            <Table.Cell>{formatSize(entry.size)}</Table.Cell>
            <Table.Cell>
              {entry.uploaded_by} {when(entry.uploaded_at)}
            </Table.Cell>
          </Table.Row>
        ))}
      </Table.Body>
    </Table.Root>
  );
}

function TryIt({ detail }: { detail: ModelDetail }) {
  const [text, setText] = useState(() => JSON.stringify(detail.example_request ?? {}, null, 2));
  const [result, setResult] = useState<TryResult | null>(null);
  const send = useAction();
  const protocol = detail.example_protocol ?? "v2";
  const onSend = () =>
    void send.run(async () => {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new Error("The request is not valid JSON.");
      }
      setResult(await models().tryIt(detail.name, protocol, body));
      return null;
    });
  return (
    <Box>
      <Heading as="h4" mb={1} size="sm">
        Try it ({protocol})
      </Heading>
      <Textarea data-testid="model-try-request" fontFamily="mono" fontSize="xs" onChange={(event) => setText(event.target.value)} rows={6} value={text} />
      <Button data-testid="model-try-send" loading={send.busy} mt={2} onClick={onSend} size="sm">
        Send
      </Button>
      <ActionOutcome done={send.done} error={send.error} testId="model-try" />
      {result ? (
        <Box mt={2}>
          <Text fontSize="sm">
            Status <Code data-testid="model-try-status">{result.status}</Code>
          </Text>
          <Code as="pre" data-testid="model-try-response" display="block" fontSize="xs" maxH="240px" overflow="auto" p={2} whiteSpace="pre-wrap">
            {JSON.stringify(result.response, null, 2)}
          </Code>
        </Box>
      ) : null}
    </Box>
  );
}

function Keys({ detail, onChanged, canEdit }: { detail: ModelDetail; onChanged: () => void; canEdit: boolean }) {
  const [label, setLabel] = useState("");
  const [created, setCreated] = useState<string | null>(null);
  const action = useAction();
  return (
    <Box>
      <Heading as="h4" mb={1} size="sm">
        API keys
      </Heading>
      <Text color="fg.muted" fontSize="xs" mb={1}>
        Send one as <Code>Authorization: Bearer &lt;key&gt;</Code> to this model&apos;s routes. Stored as a digest: a key is shown once.
      </Text>
      {detail.keys.map((key) => (
        <HStack fontSize="sm" key={key.id}>
          <Code>{key.id}</Code>
          <Text>
            {key.label} ({key.created_by}, {when(key.created_at)})
          </Text>
          {canEdit ? (
            <Button
              onClick={() =>
                void action.run(async () => {
                  await models().removeKey(detail.name, key.id);
                  onChanged();
                  return "Key deleted.";
                })
              }
              size="2xs"
              variant="outline"
            >
              Delete
            </Button>
          ) : null}
        </HStack>
      ))}
      {canEdit ? (
        <HStack mt={2}>
          <Input maxW="xs" onChange={(event) => setLabel(event.target.value)} placeholder="label (who uses it)" size="sm" value={label} />
          <Button
            data-testid="model-key-create"
            onClick={() =>
              void action.run(async () => {
                const key = await models().createKey(detail.name, label);
                setCreated(key.key);
                setLabel("");
                onChanged();
                return null;
              })
            }
            size="sm"
          >
            New key
          </Button>
        </HStack>
      ) : null}
      {created ? (
        <Text data-testid="model-key-created" fontSize="sm" mt={1}>
          New key (copy it now, it is not shown again): <Code>{created}</Code>
        </Text>
      ) : null}
      <ActionOutcome done={action.done} error={action.error} testId="model-keys" />
    </Box>
  );
}

function Detail({ name, onChanged, onClosed }: { name: string; onChanged: () => void; onClosed: () => void }) {
  const me = useCurrentUser();
  const canEdit = can(me, RESOURCES.models, "can_edit");
  const canDelete = can(me, RESOURCES.models, "can_delete");
  const canPublish = can(me, RESOURCES.publicModels, "can_edit");
  const loaded = useAsync((signal) => models().get(name, signal), [name]);
  const confirm = useConfirm();
  const action = useAction();
  const detail = loaded.data;
  const reload = loaded.reload;
  // While the model loads, its state is asked again every second.
  useEffect(() => {
    if (detail?.state !== "loading") return undefined;
    const timer = setTimeout(reload, 1000);
    return () => clearTimeout(timer);
  }, [detail, reload]);
  // When the opened model's state changes (loading -> serving), the list shows it at once too.
  const state = detail?.state;
  useEffect(() => {
    if (state !== undefined) onChanged();
  }, [state, onChanged]);

  if (loaded.status === "error" && !detail) return <ErrorAlert error={loaded.error} onRetry={reload} />;
  if (!detail) return <Text>Loading {name} ...</Text>;
  const changed = () => {
    reload();
    onChanged();
  };
  return (
    <Card.Root data-testid="model-detail" mb={4} variant="outline">
      <Card.Header>
        <Flex align="center" gap={3} justify="space-between" wrap="wrap">
          <HStack>
            <Heading as="h3" size="md">
              {detail.name}
            </Heading>
            <StateBadge state={detail.state} testId="model-detail-state" />
            {detail.serving_version !== null && detail.serving_version !== detail.latest ? (
              <Text fontSize="sm">
                ({detail.state === "failed" ? `v${detail.serving_version} still answers; v${detail.latest} did not load` : `v${detail.serving_version} answers while v${detail.latest} loads`})
              </Text>
            ) : null}
          </HStack>
          <HStack>
            {canPublish && detail.kind !== "dataset" && detail.kind !== "other" ? (
              <Button
                data-testid="model-public"
                onClick={() =>
                  void action.run(async () => {
                    await models().setPublic(detail.name, !detail.public);
                    changed();
                    return detail.public ? "The model needs a token again." : "The model is public: its routes need no token.";
                  })
                }
                size="sm"
                variant="outline"
              >
                {detail.public ? "Make private" : "Make public"}
              </Button>
            ) : null}
            {canDelete ? (
              <Button
                colorPalette="red"
                onClick={() =>
                  confirm.ask({
                    action: async () => {
                      await models().remove(detail.name);
                      onChanged();
                      onClosed();
                    },
                    confirmLabel: "Delete",
                    message: `Delete ${detail.name} with all its versions? The model server stops serving it.`,
                    title: "Delete model",
                  })
                }
                size="sm"
                variant="outline"
              >
                Delete
              </Button>
            ) : null}
            <Button onClick={onClosed} size="sm" variant="ghost">
              Close
            </Button>
          </HStack>
        </Flex>
        {detail.error ? (
          <Text color="fg.error" data-testid="model-detail-error" fontSize="sm">
            {detail.error}
          </Text>
        ) : null}
      </Card.Header>
      <Card.Body gap={4}>
        <Box>
          <Heading as="h4" mb={1} size="sm">
            Endpoints
          </Heading>
          {detail.endpoints.map((endpoint) => (
            <Text fontSize="sm" key={`${endpoint.method} ${endpoint.url}`}>
              <Badge mr={2}>{endpoint.protocol}</Badge>
              {endpoint.method} <Code data-testid="model-endpoint">{endpoint.url}</Code>
            </Text>
          ))}
          <Flex align="center" gap={2} mt={2}>
            <Heading as="h5" size="xs">
              curl
            </Heading>
            <Button onClick={() => void navigator.clipboard?.writeText(detail.curl)} size="2xs" variant="outline">
              Copy
            </Button>
          </Flex>
          <Code as="pre" data-testid="model-curl" display="block" fontSize="xs" overflow="auto" p={2} whiteSpace="pre-wrap">
            {detail.curl}
          </Code>
        </Box>
        {detail.example_protocol ? <TryIt detail={detail} key={detail.latest} /> : null}
        {detail.kind !== "dataset" && detail.kind !== "other" ? <Keys canEdit={canEdit} detail={detail} onChanged={changed} /> : null}
        <Box>
          <Heading as="h4" mb={1} size="sm">
            Versions
          </Heading>
          <Table.Root size="sm" variant="outline">
            <Table.Header>
              <Table.Row>
                <Table.ColumnHeader>Version</Table.ColumnHeader>
                <Table.ColumnHeader>File</Table.ColumnHeader>
                <Table.ColumnHeader>Size</Table.ColumnHeader>
                <Table.ColumnHeader>SHA-256</Table.ColumnHeader>
                <Table.ColumnHeader>Uploaded</Table.ColumnHeader>
                <Table.ColumnHeader>Signature</Table.ColumnHeader>
                <Table.ColumnHeader />
              </Table.Row>
            </Table.Header>
            <Table.Body>
              {detail.all_versions.map((version) => (
                <Table.Row data-testid={`model-version-${version.version}`} key={version.version}>
                  <Table.Cell>
                    v{version.version}
                    {version.version === detail.latest ? " (latest)" : ""}
                    {version.restored_from ? ` (from v${version.restored_from})` : ""}
                  </Table.Cell>
                  <Table.Cell>{version.filename}</Table.Cell>
                  <Table.Cell>{formatSize(version.size)}</Table.Cell>
                  <Table.Cell>
                    <Code title={version.sha256}>{shortHash(version.sha256)}</Code>
                  </Table.Cell>
                  <Table.Cell>
                    {version.uploaded_by} {when(version.uploaded_at)}
                  </Table.Cell>
                  <Table.Cell maxW="sm">
                    <Code display="block" fontSize="2xs" whiteSpace="pre-wrap">
                      {JSON.stringify(version.signature)}
                    </Code>
                  </Table.Cell>
                  <Table.Cell>
                    <HStack>
                      <Link fontSize="sm" href={models().downloadUrl(detail.name, version.version)}>
                        Download
                      </Link>
                      {canEdit && version.version !== detail.latest ? (
                        <Button
                          onClick={() =>
                            void action.run(async () => {
                              const result = await models().restore(detail.name, version.version);
                              changed();
                              return `Version ${version.version} restored as version ${result.version}.`;
                            })
                          }
                          size="2xs"
                          variant="outline"
                        >
                          Restore
                        </Button>
                      ) : null}
                      {canDelete ? (
                        <Button
                          onClick={() =>
                            confirm.ask({
                              action: async () => {
                                await models().removeVersion(detail.name, version.version);
                                changed();
                              },
                              confirmLabel: "Delete version",
                              message: `Delete version ${version.version} of ${detail.name}?`,
                              title: "Delete version",
                            })
                          }
                          size="2xs"
                          variant="outline"
                        >
                          Delete
                        </Button>
                      ) : null}
                    </HStack>
                  </Table.Cell>
                </Table.Row>
              ))}
            </Table.Body>
          </Table.Root>
        </Box>
        <ActionOutcome done={action.done} error={action.error} testId="model-action" />
      </Card.Body>
      {confirm.dialog}
    </Card.Root>
  );
}

export function ModelsPage() {
  const me = useCurrentUser();
  const canCreate = can(me, RESOURCES.models, "can_create");
  const loaded = useAsync((signal) => models().list(signal), []);
  const [opened, setOpened] = useState<string | null>(null);
  const list = loaded.data;
  const reload = loaded.reload;
  const loading = list?.models.some((entry) => entry.state === "loading") ?? false;
  // The list follows serving states while something loads.
  useEffect(() => {
    if (!loading) return undefined;
    const timer = setTimeout(reload, 1500);
    return () => clearTimeout(timer);
  }, [loading, list, reload]);

  return (
    <>
      <PageHeader
        description="Upload models and datasets; each upload of a name is a new version. TF, PMML, PyTorch and ONNX models are served by the model server within seconds; other models and datasets are kept."
        title="Models and datasets"
      />
      {list ? (
        <Text color="fg.muted" fontSize="sm" mb={3}>
          Model server: <Code>{list.server_url}</Code>{" "}
          <Badge colorPalette={list.server_up ? "green" : "red"} data-testid="model-server-state">
            {list.server_up ? "up" : "not answering"}
          </Badge>
        </Text>
      ) : null}
      {loaded.status === "error" ? <ErrorAlert error={loaded.error} onRetry={reload} /> : null}
      {opened ? <Detail key={opened} name={opened} onChanged={reload} onClosed={() => setOpened(null)} /> : null}
      {SECTIONS.map((section) => (
        <Box as="section" data-testid={`models-section-${section.kind}`} key={section.kind} mb={6}>
          <Heading as="h3" mb={1} size="md">
            {section.title}
          </Heading>
          <Text color="fg.muted" fontSize="sm" mb={2}>
            {section.description}
          </Text>
          <EntriesTable entries={list?.models.filter((entry) => entry.kind === section.kind) ?? []} onOpen={setOpened} opened={opened} />
          {canCreate ? (
            <UploadArea
              onUploaded={(name) => {
                reload();
                setOpened(name);
              }}
              section={section}
            />
          ) : null}
        </Box>
      ))}
    </>
  );
}
