/**
 * The Spark engine of a group (on the Spark tab): spark-submit, or Spark Connect on wfo's own server or a
 * remote `sc://host:port` with a write-only token. Everyone who reads the group sees it; changing it is a
 * code setting (Developer, Admin). The link to Spark's UI of wfo's server is for those who may open it.
 */
import { Badge, Box, Button, Card, Field, HStack, Input, Link, NativeSelect, Spinner, Text } from "@chakra-ui/react";
import { useState, type FormEvent } from "react";

import { airflowBasePath } from "../../api/client";
import { configGroups, SPARK_ENGINES, type SparkEngine, type SparkEngineName } from "../../api/configGroups";
import { ActionOutcome } from "../../components/ActionOutcome";
import { ErrorAlert } from "../../components/ErrorAlert";
import { formError, keyedErrors, type KeyedErrors } from "../../errors";
import { useAction } from "../../hooks/useAction";
import { useAsync } from "../../hooks/useAsync";
import { can, useCurrentUser } from "../../hooks/useMe";
import { RESOURCES } from "../../nav";
import { useGroupChanged } from "./groupChanged";
import { engineDraftOf, engineSummary, engineUpdate, type ConnectServer, type EngineDraft } from "./sparkEngineForm";

const FIELD_KEYS = ["engine", "url", "token"] as const;
const ENGINE_LABELS: Record<SparkEngineName, string> = {
  connect: "Spark Connect (a warm server, tasks start in about a second)",
  submit: "spark-submit (a driver per task)",
};

function FieldError({ errors, name }: { errors: KeyedErrors | null; name: string }) {
  const messages = errors?.byKey[name];
  return messages === undefined ? null : (
    <Field.ErrorText data-testid={`spark-engine-${name}-error`}>{messages.join(" ")}</Field.ErrorText>
  );
}

/** Spark's own UI of the server wfo runs, through wfo (Developer, Admin). */
export function SparkUiLink() {
  return (
    <Link
      color="fg.info"
      data-testid="spark-ui-link"
      fontSize="sm"
      href={`${airflowBasePath()}wfo/spark-ui/`}
      rel="noopener noreferrer"
      target="_blank"
    >
      Open the Spark UI of wfo&apos;s Spark Connect server
    </Link>
  );
}

export function SparkEngineSection({ group }: { group: string }) {
  const me = useCurrentUser();
  const canEdit = can(me, RESOURCES.clusterCodeSettings, "can_edit");
  const canSeeUi = can(me, RESOURCES.sparkUi, "can_read");
  const [saved, setSaved] = useState<SparkEngine | null>(null);
  const [draft, setDraft] = useState<EngineDraft | null>(null);
  const save = useAction();
  const changed = useGroupChanged();
  const errors = save.cause === null ? null : keyedErrors(save.cause, FIELD_KEYS);

  const show = (engine: SparkEngine) => {
    setSaved(engine);
    setDraft(engineDraftOf(engine));
  };
  const loaded = useAsync((signal) => configGroups().sparkEngine(group, signal), [group], show);
  const edit = (next: EngineDraft) => {
    save.clear();
    setDraft(next);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (draft === null) {
      return;
    }
    void save.run(async () => {
      show(await configGroups().saveSparkEngine(group, engineUpdate(draft)));
      changed();
      return "Spark engine saved.";
    });
  };

  return (
    <Card.Root data-testid="spark-engine-section" maxW="48rem" mb={6} size="sm" variant="outline">
      <Card.Header>
        <Card.Title>Engine for PySpark tasks</Card.Title>
        <Text color="fg.muted" fontSize="sm">
          PySparkOperator tasks and the notebook PySpark kernel of this group run through spark-submit or as
          clients of a Spark Connect server. JVM jobs (SparkOperator) always use spark-submit.
        </Text>
      </Card.Header>
      <Card.Body gap={3}>
        <ActionOutcome done={save.done} error={formError(errors)} testId="spark-engine" />
        {loaded.status === "error" ? (
          <ErrorAlert error={loaded.error} onRetry={loaded.reload} testId="spark-engine-load-error" />
        ) : null}
        {draft === null || saved === null ? (
          loaded.status === "loading" ? <Spinner data-testid="spark-engine-loading" /> : null
        ) : (
          <Box as="form" onSubmit={submit}>
            <Text data-testid="spark-engine-current" fontSize="sm" mb={3}>
              Now: <strong>{engineSummary(saved)}</strong>
            </Text>
            {/* Inside a Field, the field's `disabled` is the one the select gets. */}
            <Field.Root disabled={!canEdit} invalid={errors?.byKey.engine !== undefined} mb={3}>
              <Field.Label>engine</Field.Label>
              <NativeSelect.Root disabled={!canEdit} size="sm">
                <NativeSelect.Field
                  data-testid="spark-engine-engine"
                  onChange={(event) => edit({ ...draft, engine: event.target.value as SparkEngineName })}
                  value={draft.engine}
                >
                  {SPARK_ENGINES.map((engine) => (
                    <option key={engine} value={engine}>
                      {ENGINE_LABELS[engine]}
                    </option>
                  ))}
                </NativeSelect.Field>
                <NativeSelect.Indicator />
              </NativeSelect.Root>
              <FieldError errors={errors} name="engine" />
            </Field.Root>
            {draft.engine === "connect" ? (
              <ConnectFields canEdit={canEdit} draft={draft} errors={errors} onChange={edit} />
            ) : null}
            {canEdit ? (
              <Button colorPalette="brand" data-testid="spark-engine-save" loading={save.busy} size="sm" type="submit">
                Save engine
              </Button>
            ) : (
              <Text color="fg.muted" data-testid="spark-engine-readonly" fontSize="sm">
                You can view the engine; changing it needs the right to change code settings (Developer, Admin).
              </Text>
            )}
          </Box>
        )}
        {canSeeUi && saved?.engine === "connect" && saved.url === null ? <SparkUiLink /> : null}
      </Card.Body>
    </Card.Root>
  );
}

function ConnectFields({
  canEdit,
  draft,
  errors,
  onChange,
}: {
  canEdit: boolean;
  draft: EngineDraft;
  errors: KeyedErrors | null;
  onChange: (draft: EngineDraft) => void;
}) {
  return (
    <>
      <Field.Root disabled={!canEdit} mb={3}>
        <Field.Label>server</Field.Label>
        <NativeSelect.Root disabled={!canEdit} size="sm">
          <NativeSelect.Field
            data-testid="spark-engine-server"
            onChange={(event) => onChange({ ...draft, server: event.target.value as ConnectServer })}
            value={draft.server}
          >
            <option value="wfo">the server wfo runs (this host only)</option>
            <option value="remote">a remote server (sc://host:port)</option>
          </NativeSelect.Field>
          <NativeSelect.Indicator />
        </NativeSelect.Root>
      </Field.Root>
      {draft.server === "remote" ? (
        <>
          <Field.Root invalid={errors?.byKey.url !== undefined} mb={3}>
            <Field.Label>url</Field.Label>
            <Input
              data-testid="spark-engine-url"
              disabled={!canEdit}
              fontFamily="mono"
              onChange={(event) => onChange({ ...draft, url: event.target.value })}
              placeholder="sc://spark-connect.example.com:15002"
              size="sm"
              value={draft.url}
            />
            <FieldError errors={errors} name="url" />
          </Field.Root>
          {canEdit ? (
            <Field.Root invalid={errors?.byKey.token !== undefined} mb={3}>
              <Field.Label>
                token
                {draft.clearToken ? (
                  <Badge colorPalette="orange" data-testid="spark-engine-token-status" ml={2} size="sm">
                    will be removed
                  </Badge>
                ) : null}
              </Field.Label>
              <HStack gap={2} width="100%">
                <Input
                  autoComplete="new-password"
                  data-testid="spark-engine-token"
                  onChange={(event) => onChange({ ...draft, clearToken: false, token: event.target.value })}
                  placeholder="unchanged"
                  size="sm"
                  type="password"
                  value={draft.token}
                />
                <Button
                  data-testid="spark-engine-clear-token"
                  onClick={() => onChange({ ...draft, clearToken: !draft.clearToken, token: "" })}
                  size="sm"
                  variant="outline"
                >
                  {draft.clearToken ? "Keep token" : "Remove token"}
                </Button>
              </HStack>
              <Field.HelperText>
                Write-only: never shown again. A stored token is kept while the URL&apos;s host stays the same and
                dropped when it moves to another host. With a token the client uses TLS.
              </Field.HelperText>
              <FieldError errors={errors} name="token" />
            </Field.Root>
          ) : null}
        </>
      ) : null}
    </>
  );
}
