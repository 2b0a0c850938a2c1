/**
 * Code bricks: the snippets the DAG editor inserts (a task, a sensor, a whole pattern). Everyone
 * with access reads them; Developers and Admins add, edit and delete. The code must be valid Python.
 */
import { Badge, Box, Button, Dialog, Field, Flex, HStack, Input, Portal, Spinner, Table, Text, Textarea } from "@chakra-ui/react";
import { useEffect, useState, type FormEvent } from "react";

import { codeBricks, parseTags, type CodeBrick } from "../../api/codeBricks";
import { ActionOutcome } from "../../components/ActionOutcome";
import { ConfirmDialog, type ConfirmRequest } from "../../components/ConfirmDialog";
import { ErrorAlert } from "../../components/ErrorAlert";
import { PageHeader } from "../../components/PageHeader";
import { DeleteButton } from "../../components/RowActions";
import { SearchInput } from "../../components/SearchInput";
import { useAction } from "../../hooks/useAction";
import { useAsync } from "../../hooks/useAsync";
import { can, useCurrentUser } from "../../hooks/useMe";
import { RESOURCES } from "../../nav";
import { formatTime } from "../../time";

/** The brick being edited: an existing one, or `"new"`. */
type Editing = CodeBrick | "new" | null;

function BrickForm({ editing, onClose, onSaved }: { editing: CodeBrick | "new"; onClose: () => void; onSaved: (message: string) => void }) {
  const existing = editing === "new" ? null : editing;
  const [title, setTitle] = useState(existing?.title ?? "");
  const [description, setDescription] = useState(existing?.description ?? "");
  const [tags, setTags] = useState(existing?.tags.join(", ") ?? "");
  const [code, setCode] = useState(existing?.code ?? "");
  const [problem, setProblem] = useState<string | null>(null);
  const action = useAction();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (title.trim() === "" || code.trim() === "") {
      setProblem("A brick needs a title and some code.");
      return;
    }
    setProblem(null);
    const input = { code, description: description.trim(), tags: parseTags(tags), title: title.trim() };
    const ok = await action.run(async () => {
      const saved = existing === null ? await codeBricks().create(input) : await codeBricks().update(existing.id, input);
      onSaved(existing === null ? `Added the code brick “${saved.title}”.` : `Saved the code brick “${saved.title}”.`);
    });
    if (ok) {
      onClose();
    }
  };
  const error = problem ?? action.error;

  return (
    <form onSubmit={(event) => void submit(event)}>
      <Dialog.Header>
        <Dialog.Title>{existing === null ? "Add a new code brick" : `Edit “${existing.title}”`}</Dialog.Title>
      </Dialog.Header>
      <Dialog.Body display="flex" flexDirection="column" gap={3}>
        <Field.Root required>
          <Field.Label>Title (shown in the editor's list)</Field.Label>
          <Input data-testid="brick-form-title" onChange={(event) => setTitle(event.target.value)} value={title} />
        </Field.Root>
        <Field.Root>
          <Field.Label>Description</Field.Label>
          <Textarea data-testid="brick-form-description" onChange={(event) => setDescription(event.target.value)} rows={2} value={description} />
        </Field.Root>
        <Field.Root>
          <Field.Label>Tags</Field.Label>
          <Input data-testid="brick-form-tags" onChange={(event) => setTags(event.target.value)} placeholder="spark, example" value={tags} />
          <Field.HelperText>Comma-separated; the search looks at them too.</Field.HelperText>
        </Field.Root>
        <Field.Root invalid={error !== null} required>
          <Field.Label>Code</Field.Label>
          <Textarea
            data-testid="brick-form-code"
            fontFamily="mono"
            fontSize="xs"
            onChange={(event) => setCode(event.target.value)}
            rows={14}
            spellCheck={false}
            value={code}
          />
          {error === null ? (
            <Field.HelperText>Valid Python. It may use `dag` and `appName`, which new DAGs define.</Field.HelperText>
          ) : (
            <Field.ErrorText data-testid="brick-form-error">{error}</Field.ErrorText>
          )}
        </Field.Root>
      </Dialog.Body>
      <Dialog.Footer>
        <Button data-testid="brick-form-cancel" onClick={onClose} size="sm" variant="outline">
          Cancel
        </Button>
        <Button colorPalette="blue" data-testid="brick-form-submit" loading={action.busy} size="sm" type="submit">
          {existing === null ? "Add" : "Save"}
        </Button>
      </Dialog.Footer>
    </form>
  );
}

export function CodeBricksPage() {
  const me = useCurrentUser();
  const canCreate = can(me, RESOURCES.codeBricks, "can_create");
  const canEdit = can(me, RESOURCES.codeBricks, "can_edit");
  const canDelete = can(me, RESOURCES.codeBricks, "can_delete");
  const [search, setSearch] = useState("");
  const [query, setQuery] = useState("");
  const [editing, setEditing] = useState<Editing>(null);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [expanded, setExpanded] = useState<number | null>(null);

  useEffect(() => {
    const timer = setTimeout(() => setQuery(search.trim()), 250);
    return () => clearTimeout(timer);
  }, [search]);
  const loaded = useAsync((signal) => codeBricks().list(query, signal), [query]);
  const bricks = loaded.data?.bricks;

  const remove = (brick: CodeBrick) =>
    setConfirm({
      action: async () => {
        await codeBricks().remove(brick.id);
        setDone(`Deleted the code brick “${brick.title}”.`);
        loaded.reload();
      },
      confirmLabel: "Delete brick",
      message: `Delete the code brick “${brick.title}”? DAGs that already contain its code keep it.`,
      title: "Delete code brick",
    });

  return (
    <>
      <PageHeader
        actions={
          canCreate ? (
            <Button colorPalette="blue" data-testid="brick-add" onClick={() => setEditing("new")} size="sm">
              Add a new code brick
            </Button>
          ) : null
        }
        description="Snippets to insert into DAGs from the editor's side panel. The title appears in the list."
        title="Code bricks"
      />
      <ActionOutcome done={done} error={null} testId="bricks" />
      <Flex align="center" gap={3} mb={3}>
        <SearchInput onChange={setSearch} placeholder="Search title, description, tag" testId="brick-search" value={search} />
        {loaded.status === "loading" && bricks !== undefined ? <Spinner size="sm" /> : null}
      </Flex>
      {loaded.status === "error" ? <ErrorAlert error={loaded.error} onRetry={loaded.reload} testId="bricks-load-error" /> : null}
      {bricks === undefined && loaded.status === "loading" ? <Spinner data-testid="bricks-loading" /> : null}
      {bricks !== undefined && bricks.length === 0 ? (
        <Text color="fg.muted" data-testid="bricks-list-empty" py={6}>
          {query === "" ? "No code bricks yet." : "No brick matches this search."}
        </Text>
      ) : null}
      {bricks !== undefined && bricks.length > 0 ? (
        <Table.ScrollArea borderWidth="1px" rounded="md">
          <Table.Root data-testid="bricks-table" size="sm">
            <Table.Header>
              <Table.Row>
                <Table.ColumnHeader>Title</Table.ColumnHeader>
                <Table.ColumnHeader>Tags</Table.ColumnHeader>
                <Table.ColumnHeader>Updated</Table.ColumnHeader>
                <Table.ColumnHeader />
              </Table.Row>
            </Table.Header>
            <Table.Body>
              {bricks.map((brick) => (
                <Table.Row data-testid="brick-row" data-title={brick.title} key={brick.id} verticalAlign="top">
                  <Table.Cell maxW="40rem">
                    <HStack gap={2}>
                      <Text fontWeight="semibold">{brick.title}</Text>
                      {brick.shipped ? (
                        <Badge size="sm" variant="outline">
                          shipped
                        </Badge>
                      ) : null}
                    </HStack>
                    {brick.description ? (
                      <Text color="fg.muted" fontSize="xs">
                        {brick.description}
                      </Text>
                    ) : null}
                    {expanded === brick.id ? (
                      <Box as="pre" bg="bg.subtle" data-testid={`brick-code-${brick.id}`} fontFamily="mono" fontSize="xs" mt={2} overflow="auto" p={2} rounded="sm">
                        {brick.code}
                      </Box>
                    ) : null}
                  </Table.Cell>
                  <Table.Cell>
                    <Flex gap={1} wrap="wrap">
                      {brick.tags.map((tag) => (
                        <Badge key={tag} size="sm" variant="outline">
                          {tag}
                        </Badge>
                      ))}
                    </Flex>
                  </Table.Cell>
                  <Table.Cell whiteSpace="nowrap">
                    {formatTime(brick.updated_at)}
                    {brick.updated_by ? (
                      <Text color="fg.muted" fontSize="xs">
                        {brick.updated_by}
                      </Text>
                    ) : null}
                  </Table.Cell>
                  <Table.Cell>
                    <HStack gap={1} justify="flex-end">
                      <Button data-testid={`brick-show-${brick.id}`} onClick={() => setExpanded(expanded === brick.id ? null : brick.id)} size="xs" variant="ghost">
                        {expanded === brick.id ? "Hide code" : "Code"}
                      </Button>
                      {canEdit ? (
                        <Button data-testid={`brick-edit-${brick.id}`} onClick={() => setEditing(brick)} size="xs" variant="ghost">
                          Edit
                        </Button>
                      ) : null}
                      {canDelete ? <DeleteButton onClick={() => remove(brick)} testId={`brick-delete-${brick.id}`} /> : null}
                    </HStack>
                  </Table.Cell>
                </Table.Row>
              ))}
            </Table.Body>
          </Table.Root>
        </Table.ScrollArea>
      ) : null}
      <Dialog.Root onOpenChange={(details) => (details.open ? undefined : setEditing(null))} open={editing !== null} size="lg">
        <Portal>
          <Dialog.Backdrop />
          <Dialog.Positioner>
            <Dialog.Content data-testid="brick-dialog">
              {editing === null ? null : (
                <BrickForm
                  editing={editing}
                  key={editing === "new" ? "new" : editing.id}
                  onClose={() => setEditing(null)}
                  onSaved={(message) => {
                    setDone(message);
                    loaded.reload();
                  }}
                />
              )}
            </Dialog.Content>
          </Dialog.Positioner>
        </Portal>
      </Dialog.Root>
      <ConfirmDialog onClose={() => setConfirm(null)} request={confirm} />
    </>
  );
}
