/** "Create new DAG": ask for the file name; the editor opens and the file exists once saved. */
import { useState, type FormEvent } from "react";

import { normaliseNewName } from "../../api/dagFiles";
import { DialogForm, FormDialog, NameField } from "../../components/FormDialog";

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
    <DialogForm onCancel={onClose} onSubmit={submit} submitLabel="Add" testId="new-dag" title="Create new DAG">
      <NameField
        error={problem}
        errorTestId="new-dag-error"
        hint="“.py” is added when missing. The file is created when you save it in the editor."
        inputTestId="new-dag-name"
        label="File name"
        onChange={(text) => {
          setValue(text);
          setProblem(null);
        }}
        placeholder="my_pipeline.py or team/etl.py"
        value={value}
      />
    </DialogForm>
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
    <FormDialog onClose={onClose} open={open} testId="new-dag-dialog">
      {open ? <NewDagForm exists={exists} onClose={onClose} onSubmit={onSubmit} /> : null}
    </FormDialog>
  );
}
