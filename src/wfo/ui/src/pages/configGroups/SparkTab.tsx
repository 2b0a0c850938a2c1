/**
 * Spark tab: spark-submit *Arguments* (keys from the server's list, an input fitting each kind) and
 * *Configurations* (`--conf` key/values), saved together. Only tuning settings (the arguments the server
 * marks so, the confs on its allow-list with a value within their rule) need no more than config-group
 * edit rights; everything else needs the "WFO Cluster Code Settings" right. The page marks and disables
 * those for others, shows the allow-list, and the server decides.
 */
import { Badge, Box, Button, Field, Flex, Heading, HStack, Input, Spinner, Table, Text } from "@chakra-ui/react";
import { useMemo, useState, type FormEvent, type ReactNode } from "react";

import { confRule, configGroups, type CodeReason, type SparkConfig, type TuningConf } from "../../api/configGroups";
import { ActionOutcome } from "../../components/ActionOutcome";
import { ErrorAlert } from "../../components/ErrorAlert";
import { DeleteButton } from "../../components/RowActions";
import { formError, keyedErrors, type KeyedErrors } from "../../errors";
import { useAction } from "../../hooks/useAction";
import { useAsync } from "../../hooks/useAsync";
import { can, useCurrentUser } from "../../hooks/useMe";
import { RESOURCES } from "../../nav";
import { useGroupChanged } from "./groupChanged";
import { SectionHeading } from "./SectionHeading";
import { SparkEngineSection } from "./SparkEngineSection";
import { draftFrom, emptyValue, settingsFrom, type SparkDraft } from "./sparkForm";
import { ArgumentInput, Select } from "./SparkArgumentInput";

const CODE_HINT = "needs Developer or Admin";

/** Next to a code setting the user may not change (on its own line below a key). */
function CodeHint({ show, below = false, testId }: { show: boolean; below?: boolean; testId?: string }) {
  if (!show) {
    return null;
  }
  const badge = (
    <Badge colorPalette="orange" data-testid={testId} fontFamily="body" ml={below ? 0 : 2} size="sm" variant="subtle">
      {CODE_HINT}
    </Badge>
  );
  return below ? <Box mt={1}>{badge}</Box> : badge;
}

function reasonText(key: string, reason: CodeReason): string {
  if (reason === null) {
    return "";
  }
  return reason.kind === "unlisted"
    ? `${key} is not a tuning setting: it can change what code runs.`
    : `${key} takes ${reason.expected} as a tuning setting; other values can change what code runs.`;
}

/** The allow-list from the server: what may be changed without the code-settings right. */
function TuningList({ tuning }: { tuning: TuningConf[] }) {
  return (
    <Box as="details" data-testid="spark-tuning-list" fontSize="sm" mt={3}>
      <Box as="summary" color="fg.muted" cursor="pointer">
        Tuning configurations ({tuning.length}): these need only config-group edit rights (Op); every other
        configuration, and any value outside these rules, {CODE_HINT}.
      </Box>
      <Table.ScrollArea borderWidth="1px" maxH="24rem" mt={2} rounded="md">
        <Table.Root size="sm">
          <Table.Body>
            {tuning.map((rule) => (
              <Table.Row key={rule.key}>
                <Table.Cell fontFamily="mono" wordBreak="break-all">
                  {rule.key}
                </Table.Cell>
                <Table.Cell>{rule.expected}</Table.Cell>
                <Table.Cell color="fg.muted">{rule.description}</Table.Cell>
              </Table.Row>
            ))}
          </Table.Body>
        </Table.Root>
      </Table.ScrollArea>
    </Box>
  );
}

function RowError({ messages, testId }: { messages: string[] | undefined; testId: string }) {
  return messages === undefined ? null : (
    <Text color="fg.error" data-testid={testId} fontSize="xs" mt={1}>
      {messages.join(" ")}
    </Text>
  );
}

/** One argument or conf row: the key (with its code hint), the value input and its error, Delete when editable. */
function SettingRow({
  kind,
  name,
  hint,
  note,
  editable,
  errors,
  onDelete,
  children,
}: {
  kind: "arg" | "conf";
  name: string;
  hint: boolean;
  /** Why the setting (or its value) counts as code, when the user may not change code settings. */
  note?: string;
  editable: boolean;
  errors: string[] | undefined;
  onDelete: () => void;
  children: ReactNode;
}) {
  return (
    <Table.Row data-testid={`spark-${kind}-row-${name}`}>
      <Table.Cell fontFamily="mono" fontSize="sm" verticalAlign="top" width="18rem" wordBreak="break-all">
        {name}
        <CodeHint below show={hint} testId={`spark-${kind}-code-${name}`} />
      </Table.Cell>
      <Table.Cell verticalAlign="top">
        {children}
        {note ? (
          <Text color="fg.warning" data-testid={`spark-${kind}-note-${name}`} fontSize="xs" mt={1}>
            {note}
          </Text>
        ) : null}
        <RowError messages={errors} testId={`spark-${kind}-error-${name}`} />
      </Table.Cell>
      <Table.Cell textAlign="end" verticalAlign="top" width="6rem">
        {editable ? <DeleteButton onClick={onDelete} testId={`spark-${kind}-delete-${name}`} /> : null}
      </Table.Cell>
    </Table.Row>
  );
}

function KeyValueTable({ testId, children, empty }: { testId: string; children: ReactNode[]; empty: string }) {
  return (
    <Table.ScrollArea borderWidth="1px" rounded="md">
      <Table.Root data-testid={testId} size="sm" tableLayout="fixed">
        <Table.Body>
          {children.length === 0 ? (
            <Table.Row>
              <Table.Cell>
                <Text color="fg.muted" fontSize="sm">
                  {empty}
                </Text>
              </Table.Cell>
            </Table.Row>
          ) : (
            children
          )}
        </Table.Body>
      </Table.Root>
    </Table.ScrollArea>
  );
}

function SparkForm({ group, initial }: { group: string; initial: SparkConfig }) {
  const [config, setConfig] = useState(initial);
  const me = useCurrentUser();
  const canBase = can(me, RESOURCES.configGroups, "can_edit");
  const canCode = can(me, RESOURCES.clusterCodeSettings, "can_edit");
  const readOnly = !canBase && !canCode;
  const known = new Map(config.known_arguments.map((argument) => [argument.name, argument]));
  const isCodeArgument = (key: string) => known.get(key)?.code ?? false;
  const codeReason = useMemo(() => confRule(config.tuning_confs), [config.tuning_confs]);
  const mayEdit = (code: boolean) => (code ? canCode : canBase);

  const [draft, setDraft] = useState<SparkDraft>(() => draftFrom(config));
  const [newArgument, setNewArgument] = useState("");
  const [newConf, setNewConf] = useState({ key: "", value: "" });
  const save = useAction();
  const changed = useGroupChanged();

  const argumentKeys = draft.arguments.map((row) => row.key);
  const confKeys = draft.confs.map((row) => row.key);
  const errors: KeyedErrors | null =
    save.cause === null ? null : keyedErrors(save.cause, [...argumentKeys, ...confKeys, "spark_home"]);
  const addable = config.known_arguments.filter((argument) => !argumentKeys.includes(argument.name) && mayEdit(argument.code));

  const addArgument = () => {
    const key = newArgument || addable[0]?.name;
    if (key === undefined) {
      return;
    }
    setDraft({ ...draft, arguments: [...draft.arguments, { key, value: emptyValue(known.get(key), config.choices) }] });
    setNewArgument("");
  };
  const confKey = newConf.key.trim();
  const confProblem = confKeys.includes(confKey) ? `${confKey} is already set.` : null;
  const addConf = (event: FormEvent) => {
    event.preventDefault();
    if (confKey !== "" && confProblem === null) {
      setDraft({ ...draft, confs: [...draft.confs, { key: confKey, value: newConf.value }] });
      setNewConf({ key: "", value: "" });
    }
  };
  const submit = () =>
    void save.run(async () => {
      const saved = await configGroups().saveSpark(group, settingsFrom(draft, config.known_arguments));
      setDraft(draftFrom(saved));
      setConfig(saved);
      changed();
      return "Spark configuration saved. It applies to newly started jobs.";
    });

  return (
    <>
      {readOnly ? (
        <Text color="fg.muted" data-testid="spark-readonly" fontSize="sm" mb={3}>
          You can view these settings. Changing the tuning settings (listed below the configurations) needs
          edit rights on config groups (Op); everything else, marked “{CODE_HINT}”, can change what code runs.
        </Text>
      ) : null}
      <ActionOutcome done={save.done} error={formError(errors)} testId="spark" />

      <Heading as="h4" mb={2} size="sm">
        Arguments
      </Heading>
      <KeyValueTable empty="No arguments." testId="spark-args">
        {draft.arguments.map((row, index) => {
          const code = isCodeArgument(row.key);
          const editable = mayEdit(code);
          return (
            <SettingRow
              editable={editable}
              errors={errors?.byKey[row.key]}
              hint={code && !canCode}
              key={row.key}
              kind="arg"
              name={row.key}
              onDelete={() => setDraft({ ...draft, arguments: draft.arguments.filter((_, i) => i !== index) })}
            >
              <ArgumentInput
                choices={config.choices}
                disabled={!editable}
                known={known.get(row.key)}
                name={row.key}
                onChange={(value) =>
                  setDraft({
                    ...draft,
                    arguments: draft.arguments.map((item, i) => (i === index ? { ...item, value } : item)),
                  })
                }
                value={row.value}
              />
            </SettingRow>
          );
        })}
      </KeyValueTable>
      {readOnly || addable.length === 0 ? null : (
        <Flex align="center" gap={2} mt={2}>
          <Box maxW="20rem" width="100%">
            <Select
              disabled={false}
              onChange={setNewArgument}
              options={addable.map((argument) => argument.name)}
              testId="spark-arg-add-key"
              value={newArgument || (addable[0]?.name ?? "")}
            />
          </Box>
          <Button data-testid="spark-arg-add" onClick={addArgument} size="sm" variant="outline">
            Add in arguments
          </Button>
        </Flex>
      )}

      <Heading as="h4" mb={2} mt={6} size="sm">
        Configurations
      </Heading>
      <KeyValueTable empty="No configurations." testId="spark-confs">
        {draft.confs.map((row, index) => {
          // Whether the row may be edited follows the saved value (a row must not lock itself while being
          // typed); the note follows the value typed.
          const saved = config.confs[row.key];
          const code = codeReason(row.key, saved === undefined ? row.value : String(saved)) !== null;
          const now = codeReason(row.key, row.value);
          const editable = mayEdit(code);
          return (
            <SettingRow
              editable={editable}
              errors={errors?.byKey[row.key]}
              hint={(code || now !== null) && !canCode}
              key={row.key}
              note={now !== null && !canCode ? reasonText(row.key, now) : undefined}
              kind="conf"
              name={row.key}
              onDelete={() => setDraft({ ...draft, confs: draft.confs.filter((_, i) => i !== index) })}
            >
              <Input
                data-testid={`spark-conf-value-${row.key}`}
                disabled={!editable}
                fontFamily="mono"
                onChange={(event) =>
                  setDraft({
                    ...draft,
                    confs: draft.confs.map((item, i) => (i === index ? { ...item, value: event.target.value } : item)),
                  })
                }
                size="sm"
                value={row.value}
              />
            </SettingRow>
          );
        })}
      </KeyValueTable>
      {readOnly ? null : (
        <Box as="form" mt={2} onSubmit={addConf}>
          <Flex align="center" gap={2} wrap="wrap">
            <Input
              data-testid="spark-conf-add-key"
              fontFamily="mono"
              list="spark-tuning-keys"
              maxW="20rem"
              onChange={(event) => setNewConf({ ...newConf, key: event.target.value })}
              placeholder="spark.executor.instances"
              size="sm"
              value={newConf.key}
            />
            <datalist id="spark-tuning-keys">
              {config.tuning_confs.map((rule) => (
                <option key={rule.key} value={rule.key} />
              ))}
            </datalist>
            <Input
              data-testid="spark-conf-add-value"
              fontFamily="mono"
              maxW="20rem"
              onChange={(event) => setNewConf({ ...newConf, value: event.target.value })}
              placeholder="value"
              size="sm"
              value={newConf.value}
            />
            <Button data-testid="spark-conf-add" disabled={confKey === "" || confProblem !== null} size="sm" type="submit" variant="outline">
              Add in configurations
            </Button>
          </Flex>
          {confProblem !== null ? (
            <Text color="fg.error" fontSize="xs" mt={1}>
              {confProblem}
            </Text>
          ) : confKey !== "" && codeReason(confKey, newConf.value) !== null && !canCode ? (
            <Text color="fg.warning" data-testid="spark-conf-add-hint" fontSize="xs" mt={1}>
              {reasonText(confKey, codeReason(confKey, newConf.value))} Saving it {CODE_HINT}.
            </Text>
          ) : null}
        </Box>
      )}
      <TuningList tuning={config.tuning_confs} />

      <Field.Root invalid={errors?.byKey.spark_home !== undefined} maxW="36rem" mt={6}>
        <Field.Label>
          Spark home
          <CodeHint show={!canCode} />
        </Field.Label>
        <Input
          data-testid="spark-home"
          disabled={!canCode}
          fontFamily="mono"
          onChange={(event) => setDraft({ ...draft, sparkHome: event.target.value })}
          placeholder="empty: the Spark that comes with wfo (pyspark)"
          size="sm"
          value={draft.sparkHome}
        />
        {errors?.byKey.spark_home ? (
          <Field.ErrorText data-testid="spark-home-error">{errors.byKey.spark_home.join(" ")}</Field.ErrorText>
        ) : (
          <Field.HelperText>A Spark distribution on the workers, for clusters that need an older Spark.</Field.HelperText>
        )}
      </Field.Root>

      {readOnly ? null : (
        <HStack mt={6}>
          <Button colorPalette="brand" data-testid="spark-save" loading={save.busy} onClick={submit} size="sm">
            Save
          </Button>
        </HStack>
      )}
    </>
  );
}

export function SparkTab({ group }: { group: string }) {
  const loaded = useAsync((signal) => configGroups().spark(group, signal), [group]);

  return (
    <>
      <SectionHeading
        hint="What spark-submit gets for this group's jobs: Arguments (master, deploy-mode, memory, jars, ...) and Configurations (--conf key=value). At the very least set master to yarn for a YARN cluster."
        title="Spark configuration"
      />
      <SparkEngineSection group={group} />
      {loaded.status === "error" ? <ErrorAlert error={loaded.error} onRetry={loaded.reload} testId="spark-load-error" /> : null}
      {loaded.data === undefined ? (
        loaded.status === "loading" ? <Spinner data-testid="spark-loading" /> : null
      ) : (
        <SparkForm group={group} initial={loaded.data} key={group} />
      )}
    </>
  );
}
