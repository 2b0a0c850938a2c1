/**
 * Edit one DAG file: CodeMirror with Python highlighting, search and lint gutter; "Validate" marks
 * the problems the validator finds; a legacy (Airflow 2) file gets a proposed upgrade to accept;
 * "Review & Save" (or Ctrl/Cmd-S) shows the changes side by side before saving against the revision
 * the editor started from. A new file exists only once saved. Loaded lazily with CodeMirror.
 */
import { Alert, Badge, Box, Button, Flex, Heading, HStack, Input, Link, Spinner, Text, VStack } from "@chakra-ui/react";
import { useEffect, useRef, useState } from "react";
import { Link as RouterLink, useParams, useSearchParams } from "react-router-dom";

import { ApiError } from "../../api/client";
import {
  airflowDagPath,
  dagFiles,
  type DagFile,
  type Saved,
  type UpgradeResult,
  type ValidationResult,
  newDagTemplate,
} from "../../api/dagFiles";
import { ErrorAlert } from "../../components/ErrorAlert";
import { useAppPath } from "../../hooks/useAppPath";
import { useAsync } from "../../hooks/useAsync";
import { can, useCurrentUser } from "../../hooks/useMe";
import { RESOURCES } from "../../nav";
import { formatTime } from "../../time";
import { BricksPanel } from "./BricksPanel";
import { CodeEditor, type CodeEditorHandle } from "./CodeEditor";
import { saveRefusal, type SaveRefusal } from "./editorLogic";
import { MergeDiff } from "./MergeDiff";
import { ProblemList, UpgradeIssues } from "./ProblemList";
import { useDarkMode } from "./useDarkMode";

interface Base {
  content: string;
  /** null: the file does not exist yet (saving creates it). */
  revision: string | null;
}

/** The file, or null when it does not exist and the user asked to create it. */
async function loadFile(name: string, creating: boolean, signal: AbortSignal): Promise<DagFile | null> {
  try {
    return await dagFiles().get(name, signal);
  } catch (error: unknown) {
    if (creating && error instanceof ApiError && error.status === 404) {
      return null;
    }
    throw error;
  }
}

function DagLinks({ dagIds, testId }: { dagIds: string[]; testId: string }) {
  if (dagIds.length === 0) {
    return null;
  }
  return (
    <HStack gap={2} wrap="wrap">
      {dagIds.map((dagId) => (
        <Link asChild colorPalette="blue" fontFamily="mono" key={dagId}>
          <RouterLink data-testid={`${testId}-${dagId}`} to={airflowDagPath(dagId)}>
            {dagId} ↗
          </RouterLink>
        </Link>
      ))}
    </HStack>
  );
}

function ValidationSummary({ validation }: { validation: ValidationResult }) {
  return (
    <HStack data-testid="dag-validation-summary" gap={2} wrap="wrap">
      <Badge colorPalette={validation.ok ? "green" : "red"} data-testid={validation.ok ? "dag-valid" : "dag-invalid"}>
        {validation.ok ? "valid" : `${validation.errors.length} error(s)`}
      </Badge>
      {validation.warnings.length > 0 ? <Badge colorPalette="orange">{validation.warnings.length} warning(s)</Badge> : null}
      {validation.dag_ids.length > 0 ? (
        <Text fontSize="sm">
          Defines: <span data-testid="dag-validation-dag-ids">{validation.dag_ids.join(", ")}</span>
        </Text>
      ) : null}
      <Text color="fg.muted" fontSize="xs">
        checked in {validation.seconds.toFixed(1)} s
      </Text>
    </HStack>
  );
}

function UpgradeProposal({
  current,
  upgrade,
  dark,
  onAccept,
  canEdit,
}: {
  current: string;
  upgrade: UpgradeResult;
  dark: boolean;
  onAccept: () => void;
  canEdit: boolean;
}) {
  return (
    <Box borderColor="orange.emphasized" borderWidth="1px" data-testid="dag-upgrade" p={3} rounded="md">
      <Flex align="center" gap={3} justify="space-between" mb={2} wrap="wrap">
        <Text fontSize="sm">
          This file uses Airflow 2 code. Proposed upgrade for Airflow 3 (left: the editor's text, right: upgraded):
        </Text>
        {canEdit && upgrade.changed ? (
          <Button colorPalette="orange" data-testid="dag-upgrade-accept" onClick={onAccept} size="sm">
            Accept upgrade
          </Button>
        ) : null}
      </Flex>
      {upgrade.changed ? (
        <MergeDiff dark={dark} left={current} leftLabel="Current" right={upgrade.source} rightLabel="Upgraded" testId="dag-upgrade-diff" />
      ) : null}
      <UpgradeIssues issues={upgrade.issues} />
    </Box>
  );
}

export function DagEditorPage() {
  const name = useParams()["*"] ?? "";
  const [searchParams, setSearchParams] = useSearchParams();
  const creating = searchParams.get("new") === "1";
  const me = useCurrentUser();
  const canEdit = can(me, RESOURCES.dagFiles, "can_edit");
  const canInsert = canEdit && can(me, RESOURCES.codeBricks, "can_read");
  const appPath = useAppPath();
  const dark = useDarkMode();
  const editor = useRef<CodeEditorHandle>(null);

  const loaded = useAsync((signal) => loadFile(name, creating, signal), [name]);
  const [base, setBase] = useState<Base | null>(null);
  const [text, setText] = useState("");
  const [mode, setMode] = useState<"edit" | "review">("edit");
  const [validation, setValidation] = useState<ValidationResult | null>(null);
  const [upgrade, setUpgrade] = useState<UpgradeResult | null>(null);
  /** The text the upgrade was proposed for (the left side of its diff). */
  const [upgradeFrom, setUpgradeFrom] = useState("");
  const [validating, setValidating] = useState(false);
  const [validateError, setValidateError] = useState<string | null>(null);
  const [refusal, setRefusal] = useState<SaveRefusal | null>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<Saved | null>(null);
  const [message, setMessage] = useState("");

  // Start from what the server has (or the template of a new file), once per file.
  useEffect(() => {
    if (loaded.status !== "success" || base !== null) {
      return;
    }
    const file = loaded.data;
    const start = file === null ? { content: "", revision: null } : { content: file.content, revision: file.revision };
    setBase(start);
    setText(file === null ? newDagTemplate(name) : file.content);
    if (file?.legacy) {
      dagFiles()
        .upgrade(name, file.content)
        .then((proposal) => {
          setUpgradeFrom(file.content);
          setUpgrade(proposal);
        }, () => undefined);
    }
  }, [loaded.status]);

  const changed = base !== null && (base.revision === null || text !== base.content);
  const unsaved = base !== null && text !== (base.revision === null ? newDagTemplate(name) : base.content);

  // Closing or reloading the tab with unsaved edits asks first (the browser's own prompt).
  useEffect(() => {
    if (!unsaved) {
      return;
    }
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [unsaved]);

  const validate = async () => {
    setValidating(true);
    setValidateError(null);
    try {
      const result = await dagFiles().validate(name, text);
      setValidation(result.validation);
      setUpgradeFrom(text);
      setUpgrade(result.upgrade);
      editor.current?.showProblems(result.validation.errors, result.validation.warnings);
    } catch (error: unknown) {
      setValidateError(error instanceof Error ? error.message : String(error));
    } finally {
      setValidating(false);
    }
  };

  const review = () => {
    if (canEdit && base !== null) {
      setRefusal(null);
      setSaved(null);
      setMode("review");
    }
  };

  const save = async (force: boolean) => {
    if (base === null) {
      return;
    }
    setSaving(true);
    setRefusal(null);
    try {
      const result = await dagFiles().save(name, {
        base_revision: base.revision,
        content: text,
        force,
        message: message.trim() === "" ? null : message.trim(),
      });
      setBase({ content: text, revision: result.revision ?? base.revision });
      setSaved(result);
      setValidation(result.validation);
      setUpgrade(null);
      setMessage("");
      setMode("edit");
      editor.current?.showProblems(result.validation.errors, result.validation.warnings);
      if (creating) {
        setSearchParams({}, { replace: true });
      }
    } catch (error: unknown) {
      const refused = saveRefusal(error);
      setRefusal(refused);
      if (refused.kind === "invalid") {
        setValidation(refused.invalid.validation);
        setUpgradeFrom(text);
        setUpgrade(refused.invalid.upgrade);
        editor.current?.showProblems(refused.invalid.validation.errors, refused.invalid.validation.warnings);
      }
    } finally {
      setSaving(false);
    }
  };

  const takeTheirs = (content: string, revision: string | null) => {
    editor.current?.setText(content);
    setText(content);
    setBase({ content, revision });
    setRefusal(null);
    setMode("edit");
  };

  const keepMine = (content: string, revision: string | null) => {
    // Review again against their version: the diff now shows what saving would overwrite.
    setBase({ content, revision });
    setRefusal(null);
  };

  const acceptUpgrade = () => {
    if (upgrade !== null) {
      editor.current?.setText(upgrade.source);
      setText(upgrade.source);
      setUpgrade(null);
      setValidation(null);
      editor.current?.showProblems([], []);
    }
  };

  const file = loaded.data;
  const historyLink =
    base?.revision ? (
      <Button asChild size="sm" variant="outline">
        <RouterLink data-testid="dag-editor-history" to={appPath(`dag-files/history/${name}`)}>
          History
        </RouterLink>
      </Button>
    ) : null;

  return (
    <VStack align="stretch" gap={3}>
      <Link asChild colorPalette="blue" fontSize="sm">
        <RouterLink data-testid="dag-editor-back" to={appPath("dag-files")}>
          ← All DAG files
        </RouterLink>
      </Link>
      <Flex align="center" gap={3} justify="space-between" wrap="wrap">
        <VStack align="flex-start" gap={0}>
          <Heading as="h2" size="lg">
            {mode === "review" ? "Review changes" : "Edit DAG code"}
          </Heading>
          <HStack gap={2}>
            <Text data-testid="dag-editor-name" fontFamily="mono">
              {name}
            </Text>
            {base !== null && base.revision === null ? (
              <Badge colorPalette="purple" data-testid="dag-editor-new">
                new — created when saved
              </Badge>
            ) : null}
            {changed && base?.revision !== null ? (
              <Badge colorPalette="yellow" data-testid="dag-editor-modified">
                modified
              </Badge>
            ) : null}
          </HStack>
        </VStack>
        {mode === "edit" ? (
          <HStack gap={2}>
            {historyLink}
            {canEdit ? (
              <>
                <Button data-testid="dag-validate" disabled={base === null} loading={validating} onClick={() => void validate()} size="sm" variant="outline">
                  Validate
                </Button>
                <Button colorPalette="blue" data-testid="dag-review" disabled={!changed} onClick={review} size="sm" title="Ctrl/Cmd-S">
                  Review &amp; Save
                </Button>
              </>
            ) : null}
          </HStack>
        ) : (
          <HStack gap={2}>
            <Button data-testid="dag-review-back" onClick={() => setMode("edit")} size="sm" variant="outline">
              ← Back to editor
            </Button>
            <Button colorPalette="blue" data-testid="dag-save" loading={saving} onClick={() => void save(false)} size="sm">
              Save
            </Button>
          </HStack>
        )}
      </Flex>

      {!canEdit ? (
        <Text color="fg.muted" data-testid="dag-editor-read-only" fontSize="sm">
          You can read this file; saving needs edit rights on DAG files.
        </Text>
      ) : null}
      {loaded.status === "error" ? <ErrorAlert error={loaded.error} onRetry={loaded.reload} testId="dag-editor-load-error" /> : null}
      {loaded.status === "loading" && base === null ? <Spinner data-testid="dag-editor-loading" /> : null}
      {file !== undefined && file !== null && file.state === "error" && file.error ? (
        <Alert.Root data-testid="dag-editor-parse-error" status="warning">
          <Alert.Indicator />
          <Alert.Description>
            Airflow could not load the saved file: <code>{file.error}</code>
          </Alert.Description>
        </Alert.Root>
      ) : null}

      {saved !== null ? (
        <Alert.Root data-testid="dag-saved" status="success">
          <Alert.Indicator />
          <Alert.Content>
            <Alert.Description>
              {saved.commit === null
                ? `Nothing to save: ${saved.name} already has this content.`
                : `Saved ${saved.name} (commit ${saved.commit.slice(0, 8)}). Airflow will pick it up within seconds.`}
            </Alert.Description>
            <DagLinks dagIds={saved.validation.dag_ids} testId="dag-saved-link" />
          </Alert.Content>
        </Alert.Root>
      ) : null}

      {mode === "review" && base !== null ? (
        <VStack align="stretch" data-testid="dag-review-panel" gap={3}>
          {refusal?.kind === "invalid" ? (
            <Alert.Root data-testid="dag-save-invalid" status="error">
              <Alert.Indicator />
              <Alert.Content>
                <Alert.Description>Not saved: {refusal.invalid.message}</Alert.Description>
                <Box mt={2}>
                  <ProblemList testId="dag-save-problems" validation={refusal.invalid.validation} />
                </Box>
                {refusal.invalid.upgrade !== null ? <UpgradeIssues issues={refusal.invalid.upgrade.issues} /> : null}
                <HStack gap={2} mt={2}>
                  <Button data-testid="dag-save-fix" onClick={() => setMode("edit")} size="xs" variant="outline">
                    Back to editor to fix
                  </Button>
                  <Button colorPalette="red" data-testid="dag-save-anyway" loading={saving} onClick={() => void save(true)} size="xs">
                    Save anyway
                  </Button>
                </HStack>
              </Alert.Content>
            </Alert.Root>
          ) : null}
          {refusal?.kind === "conflict" ? (
            <Alert.Root data-testid="dag-save-conflict" status="warning">
              <Alert.Indicator />
              <Alert.Content>
                <Alert.Description>
                  Not saved: {refusal.conflict.message}
                  {refusal.conflict.current_author ? ` — saved by ${refusal.conflict.current_author}` : ""}
                  {refusal.conflict.current_time ? ` at ${formatTime(refusal.conflict.current_time)}` : ""}.
                </Alert.Description>
                <Box mt={2} width="100%">
                  <MergeDiff
                    dark={dark}
                    left={refusal.conflict.current_content ?? ""}
                    leftLabel="Their version (saved)"
                    right={text}
                    rightLabel="Your version"
                    testId="dag-conflict-diff"
                  />
                </Box>
                <HStack gap={2} mt={2}>
                  <Button
                    data-testid="dag-conflict-take-theirs"
                    onClick={() => takeTheirs(refusal.conflict.current_content ?? "", refusal.conflict.current_revision)}
                    size="xs"
                    variant="outline"
                  >
                    Reload their version (drop mine)
                  </Button>
                  <Button
                    colorPalette="blue"
                    data-testid="dag-conflict-keep-mine"
                    onClick={() => keepMine(refusal.conflict.current_content ?? "", refusal.conflict.current_revision)}
                    size="xs"
                  >
                    Merge: edit mine on top of theirs
                  </Button>
                </HStack>
              </Alert.Content>
            </Alert.Root>
          ) : null}
          {refusal?.kind === "other" ? (
            <Alert.Root data-testid="dag-save-error" status="error">
              <Alert.Indicator />
              <Alert.Description>{refusal.message}</Alert.Description>
            </Alert.Root>
          ) : null}
          {refusal?.kind === "conflict" ? null : (
            <MergeDiff
              dark={dark}
              left={base.content}
              leftLabel={base.revision === null ? "New file" : "Saved version"}
              right={text}
              rightLabel="Your version"
              testId="dag-review-diff"
            />
          )}
          <Input
            data-testid="dag-save-message"
            maxW="40rem"
            onChange={(event) => setMessage(event.target.value)}
            placeholder={`What changed? (default: Save ${name})`}
            size="sm"
            value={message}
          />
        </VStack>
      ) : null}

      {base !== null ? (
        <Flex align="stretch" display={mode === "edit" ? "flex" : "none"} gap={4}>
          <VStack align="stretch" flex="1" gap={3} minWidth={0}>
            <Box height="65vh">
              <CodeEditor
                dark={dark}
                initialText={text}
                key={name}
                onChange={setText}
                onSave={review}
                readOnly={!canEdit}
                ref={editor}
              />
            </Box>
            {validateError !== null ? (
              <Alert.Root data-testid="dag-validate-error" status="error">
                <Alert.Indicator />
                <Alert.Description>{validateError}</Alert.Description>
              </Alert.Root>
            ) : null}
            {validation !== null ? (
              <>
                <ValidationSummary validation={validation} />
                <ProblemList onLine={(line) => editor.current?.goToLine(line)} validation={validation} />
              </>
            ) : null}
            {upgrade !== null && (upgrade.changed || upgrade.issues.length > 0) ? (
              <UpgradeProposal canEdit={canEdit} current={upgradeFrom} dark={dark} onAccept={acceptUpgrade} upgrade={upgrade} />
            ) : null}
            {file ? (
              <HStack color="fg.muted" fontSize="xs" gap={3}>
                <Text>Last saved {formatTime(file.modified)}</Text>
                <DagLinks dagIds={file.dag_ids} testId="dag-editor-dag-link" />
              </HStack>
            ) : null}
          </VStack>
          <Box flexShrink={0} width="20rem">
            <BricksPanel canInsert={canInsert} onInsert={(code) => editor.current?.insertAtCursor(code)} />
          </Box>
        </Flex>
      ) : null}
    </VStack>
  );
}

export default DagEditorPage;
