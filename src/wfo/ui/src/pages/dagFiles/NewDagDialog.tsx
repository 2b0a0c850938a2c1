/** "Create new DAG": ask for the file name; the editor opens and the file exists once saved. */
import { Button, Dialog, Field, Input, Portal } from "@chakra-ui/react";
import { useState, type FormEvent } from "react";

import { normaliseNewName } from "../../api/dagFiles";

function NewDagForm({ onClose, onSubmit, exists }: { onClose: () => void; onSubmit: (name: string) => void; exists: (name: string) => boolean }) {
  const [value, setValue] = useState("");
  const [problem, setProblem] = useState<string | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const result = normaliseNewName(value);
    if ("problem" in result) {
      setProblem(result.problem);
    } else if (exists(result.name)) {
      setProblem(`${result.name} exists already: open it from the list to edit it.`);
    } else {
      onSubmit(result.name);
    }
  };

  return (
    <form onSubmit={submit}>
      <Dialog.Header>
        <Dialog.Title>Create new DAG</Dialog.Title>
      </Dialog.Header>
      <Dialog.Body>
        <Field.Root invalid={problem !== null}>
          <Field.Label>File name</Field.Label>
          <Input
            autoFocus
            data-testid="new-dag-name"
            onChange={(event) => {
              setValue(event.target.value);
              setProblem(null);
            }}
            placeholder="my_pipeline.py or team/etl.py"
            value={value}
          />
          {problem === null ? (
            <Field.HelperText>“.py” is added when missing. The file is created when you save it in the editor.</Field.HelperText>
          ) : (
            <Field.ErrorText data-testid="new-dag-error">{problem}</Field.ErrorText>
          )}
        </Field.Root>
      </Dialog.Body>
      <Dialog.Footer>
        <Button data-testid="new-dag-cancel" onClick={onClose} size="sm" variant="outline">
          Cancel
        </Button>
        <Button colorPalette="blue" data-testid="new-dag-submit" size="sm" type="submit">
          Add
        </Button>
      </Dialog.Footer>
    </form>
  );
}

export function NewDagDialog({
  open,
  onClose,
  onSubmit,
  exists,
}: {
  open: boolean;
  onClose: () => void;
  onSubmit: (name: string) => void;
  exists: (name: string) => boolean;
}) {
  return (
    <Dialog.Root onOpenChange={(details) => (details.open ? undefined : onClose())} open={open}>
      <Portal>
        <Dialog.Backdrop />
        <Dialog.Positioner>
          <Dialog.Content data-testid="new-dag-dialog">
            {open ? <NewDagForm exists={exists} onClose={onClose} onSubmit={onSubmit} /> : null}
          </Dialog.Content>
        </Dialog.Positioner>
      </Portal>
    </Dialog.Root>
  );
}
