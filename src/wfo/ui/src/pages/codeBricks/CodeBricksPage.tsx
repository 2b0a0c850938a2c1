/**
 * Code bricks: the snippets the DAG editor inserts (a task, a sensor, a whole pattern). Everyone
 * with access reads them; Developers and Admins add, edit and delete. The code must be valid Python.
 */
import { Badge, Box, Button, Field, Flex, HStack, Input, Table, Text, Textarea } from "@chakra-ui/react";
import { useState } from "react";

import { codeBricks, parseTags, type CodeBrick } from "../../api/codeBricks";
import { ActionOutcome } from "../../components/ActionOutcome";
import { useConfirm } from "../../components/ConfirmDialog";
import { ActionsCell } from "../../components/DataTable";
import { CodeIcon, EditIcon } from "../../components/icons";
import { DialogForm, FormDialog, HintOrError, useDialogForm } from "../../components/FormDialog";
import { PageHeader } from "../../components/PageHeader";
import { DeleteButton, RowAction } from "../../components/RowActions";
import { SearchableTable } from "../../components/SearchableTable";
import { useAsync } from "../../hooks/useAsync";
import { useDebouncedSearch } from "../../hooks/useDebouncedSearch";
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
  const form = useDialogForm(onClose);
  const check = () => (title.trim() === "" || code.trim() === "" ? "A brick needs a title and some code." : null);
  const send = async () => {
    const input = { code, description: description.trim(), tags: parseTags(tags), title: title.trim() };
    const saved = existing === null ? await codeBricks().create(input) : await codeBricks().update(existing.id, input);
    onSaved(existing === null ? `Added the code brick “${saved.title}”.` : `Saved the code brick “${saved.title}”.`);
  };
  const error = form.error;

  return (
    <DialogForm
      {...form.bind(check, send)}
      stack
      submitLabel={existing === null ? "Add" : "Save"}
      testId="brick-form"
      title={existing === null ? "Add a new code brick" : `Edit “${existing.title}”`}
    >
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
        <HintOrError
          error={error}
          errorTestId="brick-form-error"
          hint="Valid Python. It may use `dag` and `appName`, which new DAGs define."
        />
      </Field.Root>
    </DialogForm>
  );
}

export function CodeBricksPage() {
  const me = useCurrentUser();
  const canCreate = can(me, RESOURCES.codeBricks, "can_create");
  const canEdit = can(me, RESOURCES.codeBricks, "can_edit");
  const canDelete = can(me, RESOURCES.codeBricks, "can_delete");
  const { search, setSearch, query } = useDebouncedSearch();
  const [editing, setEditing] = useState<Editing>(null);
  const confirm = useConfirm();
  const [done, setDone] = useState<string | null>(null);
  const [expanded, setExpanded] = useState<number | null>(null);

  const loaded = useAsync((signal) => codeBricks().list(query, signal), [query]);
  const bricks = loaded.data?.bricks;

  const remove = (brick: CodeBrick) =>
    confirm.ask({
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
            <Button colorPalette="brand" data-testid="brick-add" onClick={() => setEditing("new")} size="sm">
              Add a new code brick
            </Button>
          ) : null
        }
        description="Snippets to insert into DAGs from the editor's side panel. The title appears in the list."
        title="Code bricks"
      />
      <ActionOutcome done={done} error={null} testId="bricks" />
      <SearchableTable
        // Fixed widths: a long description or many tags stay in their own column (cut short or
        // wrapped there) at any window width.
        columns={[
          "Title",
          { label: "Tags", width: "24%" },
          { label: "Updated", width: "10.5rem" },
          { label: "", width: "7.5rem" },
        ]}
        empty={query === "" ? "No code bricks yet." : "No brick matches this search."}
        emptyTestId="bricks-list-empty"
        fixed
        items={bricks}
        loaded={loaded}
        row={(brick) => (
          <Table.Row data-testid="brick-row" data-title={brick.title} key={brick.id} verticalAlign="top">
            <Table.Cell data-testid="brick-title-cell" whiteSpace="normal">
              <HStack gap={2} minW={0}>
                <Text fontWeight="semibold" title={brick.title} truncate>
                  {brick.title}
                </Text>
                {brick.shipped ? (
                  <Badge flexShrink={0} size="sm" variant="outline">
                    shipped
                  </Badge>
                ) : null}
              </HStack>
              {brick.description ? (
                // Two lines at most; the whole text is in the tooltip and in the shown code's row.
                <Text
                  color="fg.muted"
                  fontSize="xs"
                  lineClamp={expanded === brick.id ? undefined : 2}
                  overflowWrap="anywhere" // long identifiers break inside the column too
                  whiteSpace="normal"
                  title={brick.description}
                >
                  {brick.description}
                </Text>
              ) : null}
              {expanded === brick.id ? (
                <Box as="pre" bg="bg.subtle" data-testid={`brick-code-${brick.id}`} fontFamily="mono" fontSize="xs" maxW="100%" mt={2} overflow="auto" p={2} rounded="sm">
                  {brick.code}
                </Box>
              ) : null}
            </Table.Cell>
            <Table.Cell data-testid="brick-tags-cell">
              <Flex gap={1} minW={0} wrap="wrap">
                {brick.tags.map((tag) => (
                  <Badge key={tag} maxW="100%" size="sm" title={tag} variant="outline">
                    <Text as="span" truncate>
                      {tag}
                    </Text>
                  </Badge>
                ))}
              </Flex>
            </Table.Cell>
            <Table.Cell data-testid="brick-updated-cell" whiteSpace="nowrap">
              {formatTime(brick.updated_at)}
              {brick.updated_by ? (
                <Text color="fg.muted" fontSize="xs" title={brick.updated_by} truncate>
                  {brick.updated_by}
                </Text>
              ) : null}
            </Table.Cell>
            <ActionsCell>
              <RowAction
                ariaLabel={`${expanded === brick.id ? "Hide" : "Show"} the code of ${brick.title}`}
                icon={<CodeIcon />}
                label={expanded === brick.id ? "Hide code" : "Show code"}
                onClick={() => setExpanded(expanded === brick.id ? null : brick.id)}
                pressed={expanded === brick.id}
                testId={`brick-show-${brick.id}`}
              />
              {canEdit ? (
                <RowAction
                  ariaLabel={`Edit ${brick.title}`}
                  icon={<EditIcon />}
                  label="Edit"
                  onClick={() => setEditing(brick)}
                  testId={`brick-edit-${brick.id}`}
                />
              ) : null}
              {canDelete ? <DeleteButton label={`Delete ${brick.title}`} onClick={() => remove(brick)} testId={`brick-delete-${brick.id}`} /> : null}
            </ActionsCell>
          </Table.Row>
        )}
        search={{ onChange: setSearch, placeholder: "Search title, description, tag", testId: "brick-search", value: search }}
        testId="bricks"
      />
      <FormDialog onClose={() => setEditing(null)} open={editing !== null} size="lg" testId="brick-dialog">
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
      </FormDialog>
      {confirm.dialog}
    </>
  );
}
