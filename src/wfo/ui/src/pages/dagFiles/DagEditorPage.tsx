/**
 * Edit one DAG file: CodeMirror with Python highlighting, search and lint gutter; "Validate" marks
 * the problems the validator finds; a legacy (Airflow 2) file gets a proposed upgrade to accept;
 * "Review & Save" (or Ctrl/Cmd-S) shows the changes side by side before saving against the revision
 * the editor started from. A new file exists only once saved (it is not requested: it is known to be
 * new). An example shipped with wfo opens read-only, with "Copy to my DAGs". Leaving with unsaved
 * changes asks first (in-app navigation and closing the tab). The page's states and transitions are
 * `editorState.ts`; this module renders them and runs the requests. Loaded lazily with CodeMirror.
 */
import { Alert, Badge, Box, Button, Dialog, Flex, Heading, HStack, Input, Link, Portal, Spinner, Text, VStack } from "@chakra-ui/react";
import { useEffect, useReducer, useRef, useState } from "react";
import { Link as RouterLink, useBlocker, useNavigate, useParams, useSearchParams } from "react-router-dom";

import { dagExamples } from "../../api/dagExamples";
import { airflowDagPath, dagFiles, type UpgradeResult, type ValidationResult, newDagTemplate } from "../../api/dagFiles";
import { ErrorAlert } from "../../components/ErrorAlert";
import { useAppPath } from "../../hooks/useAppPath";
import { can, useCurrentUser } from "../../hooks/useMe";
import { RESOURCES } from "../../nav";
import { formatTime } from "../../time";
import { BricksPanel } from "./BricksPanel";
import { CodeEditor, type CodeEditorHandle } from "./CodeEditor";
import { CopyExampleDialog } from "./CopyExampleDialog";
import { countOf, saveRefusal } from "./editorLogic";
import { canReview, defaultMessage, docOf, editorReducer, editorStatus, initialEditorState, mustWarnOnLeave } from "./editorState";
import { MergeDiff } from "./MergeDiff";
import { ProblemList, UpgradeIssues } from "./ProblemList";
import { useDarkMode } from "./useDarkMode";

function DagLinks({ dagIds, testId }: { dagIds: string[]; testId: string }) {
  if (dagIds.length === 0) {
    return null;
  }
  return (
    <HStack gap={2} wrap="wrap">
      {dagIds.map((dagId) => (
        <Link asChild colorPalette="brand" fontFamily="mono" key={dagId}>
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
        {validation.ok ? "valid" : countOf(validation.errors.length, "error")}
      </Badge>
      {validation.warnings.length > 0 ? (
        <Badge colorPalette="orange" data-testid="dag-warning-count">
          {countOf(validation.warnings.length, "warning")}
        </Badge>
      ) : null}
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

/** Leaving with unsaved changes (a link, Back, Airflow's menu): stay, or leave and lose them. */
function LeaveDialog({ name, onStay, onLeave }: { name: string; onStay: () => void; onLeave: () => void }) {
  return (
    <Dialog.Root onOpenChange={(details) => (details.open ? undefined : onStay())} open role="alertdialog">
      <Portal>
        <Dialog.Backdrop />
        <Dialog.Positioner>
          <Dialog.Content data-testid="dag-leave-dialog">
            <Dialog.Header>
              <Dialog.Title>Leave without saving?</Dialog.Title>
            </Dialog.Header>
            <Dialog.Body>
              <Text>Your changes to {name} are not saved. They are lost if you leave this page.</Text>
            </Dialog.Body>
            <Dialog.Footer>
              <Button data-testid="dag-leave-stay" onClick={onStay} size="sm" variant="outline">
                Stay and keep editing
              </Button>
              <Button colorPalette="red" data-testid="dag-leave-confirm" onClick={onLeave} size="sm">
                Leave and discard changes
              </Button>
            </Dialog.Footer>
          </Dialog.Content>
        </Dialog.Positioner>
      </Portal>
    </Dialog.Root>
  );
}

export function DagEditorPage({ example = false }: { example?: boolean }) {
  const name = useParams()["*"] ?? "";
  const [searchParams, setSearchParams] = useSearchParams();
  // Known at the start: a new file is never requested (it does not exist; a 404 would only be noise).
  const [startsNew] = useState(() => !example && searchParams.get("new") === "1");
  const me = useCurrentUser();
  const canEdit = !example && can(me, RESOURCES.dagFiles, "can_edit");
  const canCopy = example && can(me, RESOURCES.dagFiles, "can_create");
  const canInsert = canEdit && can(me, RESOURCES.codeBricks, "can_read");
  const appPath = useAppPath();
  const navigate = useNavigate();
  const dark = useDarkMode();
  const editor = useRef<CodeEditorHandle>(null);
  const [state, dispatch] = useReducer(editorReducer, initialEditorState);
  const [copying, setCopying] = useState(false);
  const doc = docOf(state);
  const loading = state.phase === "loading";

  // Load once per file (the route remounts the page for another file), and again on "Retry".
  useEffect(() => {
    if (!loading) {
      return;
    }
    if (startsNew) {
      dispatch({ name, template: newDagTemplate(name), type: "newFile" });
      return;
    }
    const controller = new AbortController();
    const failed = (error: unknown) => {
      if (!controller.signal.aborted) {
        dispatch({ error: error instanceof Error ? error : new Error(String(error)), type: "loadFailed" });
      }
    };
    if (example) {
      dagExamples()
        .get(name, controller.signal)
        .then((loaded) => dispatch({ example: loaded, type: "exampleLoaded" }), failed);
    } else {
      dagFiles()
        .get(name, controller.signal)
        .then((file) => {
          dispatch({ file, type: "fileLoaded" });
          if (file.legacy) {
            dagFiles()
              .upgrade(name, file.content)
              .then((upgrade) => dispatch({ from: file.content, type: "upgradeProposed", upgrade }), () => undefined);
          }
        }, failed);
    }
    return () => controller.abort();
  }, [loading, startsNew, example, name]);

  // The editor marks the problems of the last validation (none once it is cleared).
  const validation = doc?.validation ?? null;
  useEffect(() => {
    editor.current?.showProblems(validation?.errors ?? [], validation?.warnings ?? []);
  }, [validation]);

  // Leaving with unsaved changes asks first: in-app navigation (our links, Airflow's menu, Back) ...
  const warn = mustWarnOnLeave(state);
  const blocker = useBlocker(({ currentLocation, nextLocation }) => warn && currentLocation.pathname !== nextLocation.pathname);
  // ... and closing or reloading the tab (the browser's own prompt).
  useEffect(() => {
    if (!warn) {
      return;
    }
    const ask = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", ask);
    return () => window.removeEventListener("beforeunload", ask);
  }, [warn]);

  const validate = async () => {
    if (state.phase !== "editing") {
      return;
    }
    const text = state.doc.text;
    dispatch({ type: "checkStarted" });
    try {
      dispatch({ result: await dagFiles().validate(name, text), text, type: "checked" });
    } catch (error: unknown) {
      dispatch({ message: error instanceof Error ? error.message : String(error), type: "checkFailed" });
    }
  };

  const review = () => {
    if (canEdit) {
      dispatch({ type: "reviewOpened" });
    }
  };

  const save = async (force: boolean) => {
    if (state.phase !== "reviewing") {
      return;
    }
    const { base, text, message } = state.doc;
    dispatch({ force, type: "saveStarted" });
    try {
      const result = await dagFiles().save(name, {
        base_revision: base.revision,
        content: text,
        force,
        message: message.trim() === "" ? null : message.trim(),
      });
      dispatch({ result, type: "saved" });
      if (searchParams.get("new") !== null) {
        setSearchParams({}, { replace: true });
      }
    } catch (error: unknown) {
      dispatch({ refusal: saveRefusal(error), type: "saveRefused" });
    }
  };

  const takeTheirs = () => {
    if (state.phase === "conflict") {
      editor.current?.setText(state.conflict.current_content ?? "");
      dispatch({ type: "theirsTaken" });
    }
  };

  const acceptUpgrade = () => {
    if (doc?.upgrade) {
      editor.current?.setText(doc.upgrade.result.source);
      dispatch({ type: "upgradeAccepted" });
    }
  };

  const status = editorStatus(state, canEdit);
  const reviewing = state.phase === "reviewing" || state.phase === "saving" || state.phase === "conflict";
  const refusal = state.phase === "reviewing" || state.phase === "saving" ? state.refusal : null;
  const loaded = doc?.loaded ?? null;
  const historyLink =
    doc !== null && doc.origin === "file" ? (
      <Button asChild size="sm" variant="outline">
        <RouterLink data-testid="dag-editor-history" to={appPath(`dag-files/history/${name}`)}>
          History
        </RouterLink>
      </Button>
    ) : null;

  return (
    <VStack align="stretch" data-status={status} data-testid="dag-editor-page" gap={3}>
      <Link asChild colorPalette="brand" fontSize="sm">
        <RouterLink data-testid="dag-editor-back" to={appPath("dag-files")}>
          ← All DAG files
        </RouterLink>
      </Link>
      <Flex align="center" gap={3} justify="space-between" wrap="wrap">
        <VStack align="flex-start" gap={0}>
          <Heading as="h2" size="lg">
            {reviewing ? "Review changes" : example ? "Example DAG" : "Edit DAG code"}
          </Heading>
          <HStack gap={2}>
            <Text data-testid="dag-editor-name" fontFamily="mono">
              {name}
            </Text>
            {doc?.origin === "new" ? (
              <Badge colorPalette="purple" data-testid="dag-editor-new">
                new — created when saved
              </Badge>
            ) : null}
            {doc?.origin === "file" && doc.text !== doc.base.content ? (
              <Badge colorPalette="yellow" data-testid="dag-editor-modified">
                modified
              </Badge>
            ) : null}
            {example ? (
              <Badge colorPalette="teal" data-testid="dag-editor-example">
                example shipped with wfo — read-only
              </Badge>
            ) : null}
          </HStack>
        </VStack>
        {!reviewing ? (
          <HStack gap={2}>
            {historyLink}
            {canCopy && doc !== null ? (
              <Button colorPalette="brand" data-testid="dag-example-copy" onClick={() => setCopying(true)} size="sm">
                Copy to my DAGs
              </Button>
            ) : null}
            {canEdit ? (
              <>
                <Button
                  data-testid="dag-validate"
                  disabled={doc === null}
                  loading={state.phase === "checking"}
                  onClick={() => void validate()}
                  size="sm"
                  variant="outline"
                >
                  Validate
                </Button>
                <Button
                  colorPalette="brand"
                  data-testid="dag-review"
                  disabled={state.phase !== "editing" || !canReview(state.doc)}
                  onClick={review}
                  size="sm"
                  title="Ctrl/Cmd-S"
                >
                  Review &amp; Save
                </Button>
              </>
            ) : null}
          </HStack>
        ) : (
          <HStack gap={2}>
            <Button
              data-testid="dag-review-back"
              disabled={state.phase !== "reviewing"}
              onClick={() => dispatch({ type: "reviewClosed" })}
              size="sm"
              variant="outline"
            >
              ← Back to editor
            </Button>
            <Button
              colorPalette="brand"
              data-testid="dag-save"
              disabled={state.phase === "conflict"}
              loading={state.phase === "saving" && !state.force}
              onClick={() => void save(false)}
              size="sm"
            >
              Save
            </Button>
          </HStack>
        )}
      </Flex>

      {example ? (
        <Text color="fg.muted" data-testid="dag-editor-example-note" fontSize="sm">
          {canCopy
            ? "Examples change only with wfo. Copy this one to your DAGs folder to change it and run your own version."
            : "Examples change only with wfo; copying one to the DAGs folder needs create rights on DAG files."}
        </Text>
      ) : !canEdit ? (
        <Text color="fg.muted" data-testid="dag-editor-read-only" fontSize="sm">
          You can read this file; saving needs edit rights on DAG files.
        </Text>
      ) : null}
      {state.phase === "failed" ? (
        <ErrorAlert error={state.error} onRetry={() => dispatch({ type: "retried" })} testId="dag-editor-load-error" />
      ) : null}
      {loading ? <Spinner data-testid="dag-editor-loading" /> : null}
      {loaded !== null && loaded.state === "error" && loaded.error ? (
        <Alert.Root data-testid="dag-editor-parse-error" status="warning">
          <Alert.Indicator />
          <Alert.Description>
            Airflow could not load the saved file: <code>{loaded.error}</code>
          </Alert.Description>
        </Alert.Root>
      ) : null}

      {doc?.saved ? (
        <Alert.Root data-testid="dag-saved" status="success">
          <Alert.Indicator />
          <Alert.Content>
            <Alert.Description>
              {doc.saved.commit === null
                ? `Nothing to save: ${doc.saved.name} already has this content.`
                : `Saved ${doc.saved.name} (commit ${doc.saved.commit.slice(0, 8)}). Airflow will pick it up within seconds.`}
            </Alert.Description>
            <DagLinks dagIds={doc.saved.validation.dag_ids} testId="dag-saved-link" />
          </Alert.Content>
        </Alert.Root>
      ) : null}

      {reviewing && doc !== null ? (
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
                  <Button data-testid="dag-save-fix" onClick={() => dispatch({ type: "reviewClosed" })} size="xs" variant="outline">
                    Back to editor to fix
                  </Button>
                  <Button
                    colorPalette="red"
                    data-testid="dag-save-anyway"
                    loading={state.phase === "saving" && state.force}
                    onClick={() => void save(true)}
                    size="xs"
                  >
                    Save anyway
                  </Button>
                </HStack>
              </Alert.Content>
            </Alert.Root>
          ) : null}
          {state.phase === "conflict" ? (
            <Alert.Root data-testid="dag-save-conflict" status="warning">
              <Alert.Indicator />
              <Alert.Content>
                <Alert.Description>
                  Not saved: {state.conflict.message}
                  {state.conflict.current_author ? ` — saved by ${state.conflict.current_author}` : ""}
                  {state.conflict.current_time ? ` at ${formatTime(state.conflict.current_time)}` : ""}.
                </Alert.Description>
                <Box mt={2} width="100%">
                  <MergeDiff
                    dark={dark}
                    left={state.conflict.current_content ?? ""}
                    leftLabel="Their version (saved)"
                    right={doc.text}
                    rightLabel="Your version"
                    testId="dag-conflict-diff"
                  />
                </Box>
                <HStack gap={2} mt={2}>
                  <Button data-testid="dag-conflict-take-theirs" onClick={takeTheirs} size="xs" variant="outline">
                    Reload their version (drop mine)
                  </Button>
                  <Button colorPalette="brand" data-testid="dag-conflict-keep-mine" onClick={() => dispatch({ type: "mineKept" })} size="xs">
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
          {state.phase === "conflict" ? null : (
            <MergeDiff
              dark={dark}
              left={doc.base.content}
              leftLabel={doc.base.revision === null ? "New file" : "Saved version"}
              right={doc.text}
              rightLabel="Your version"
              testId="dag-review-diff"
            />
          )}
          <Input
            data-testid="dag-save-message"
            maxW="40rem"
            onChange={(event) => dispatch({ message: event.target.value, type: "messageEdited" })}
            placeholder={`What changed? (default: ${defaultMessage(doc)})`}
            size="sm"
            value={doc.message}
          />
        </VStack>
      ) : null}

      {doc !== null ? (
        <Flex align="stretch" display={reviewing ? "none" : "flex"} gap={4}>
          <VStack align="stretch" flex="1" gap={3} minWidth={0}>
            <Box height="65vh">
              <CodeEditor
                dark={dark}
                initialText={doc.text}
                key={name}
                onChange={(text) => dispatch({ text, type: "edited" })}
                onSave={review}
                readOnly={!canEdit}
                ref={editor}
              />
            </Box>
            {doc.checkError !== null ? (
              <Alert.Root data-testid="dag-validate-error" status="error">
                <Alert.Indicator />
                <Alert.Description>{doc.checkError}</Alert.Description>
              </Alert.Root>
            ) : null}
            {doc.validation !== null ? (
              <>
                <ValidationSummary validation={doc.validation} />
                <ProblemList onLine={(line) => editor.current?.goToLine(line)} validation={doc.validation} />
              </>
            ) : null}
            {doc.upgrade !== null && (doc.upgrade.result.changed || doc.upgrade.result.issues.length > 0) ? (
              <UpgradeProposal canEdit={canEdit} current={doc.upgrade.from} dark={dark} onAccept={acceptUpgrade} upgrade={doc.upgrade.result} />
            ) : null}
            {loaded !== null ? (
              <HStack color="fg.muted" fontSize="xs" gap={3}>
                <Text>
                  {example ? "Shipped" : "Last saved"} {formatTime(loaded.modified)}
                </Text>
                <DagLinks dagIds={loaded.dag_ids} testId="dag-editor-dag-link" />
              </HStack>
            ) : null}
          </VStack>
          {example ? null : (
            <Box flexShrink={0} width="20rem">
              <BricksPanel canInsert={canInsert} onInsert={(code) => editor.current?.insertAtCursor(code)} />
            </Box>
          )}
        </Flex>
      ) : null}

      {blocker.state === "blocked" ? <LeaveDialog name={name} onLeave={() => blocker.proceed()} onStay={() => blocker.reset()} /> : null}
      <CopyExampleDialog
        example={copying ? name : null}
        onClose={() => setCopying(false)}
        onCopied={(copied) => navigate(appPath(`dag-files/edit/${copied.name}`))}
      />
    </VStack>
  );
}

export default DagEditorPage;
