/**
 * "Copy to my DAGs": name the new file (the example's name by default); the copy is saved like any new
 * file (validated, committed) and its DAGs get ids of their own. A name taken in the DAGs folder is
 * refused with the server's message and the dialog stays open.
 */
import { useState } from "react";

import { copiedMessage, dagExamples, type Copied } from "../../api/dagExamples";
import { normaliseNewName } from "../../api/dagFiles";
import { DialogForm, FormDialog, NameField, useDialogForm } from "../../components/FormDialog";
import { explainRefusal } from "./editorLogic";

function CopyForm({ example, onClose, onCopied }: { example: string; onClose: () => void; onCopied: (copied: Copied) => void }) {
  const [value, setValue] = useState(example);
  const form = useDialogForm(onClose);
  const bound = form.bind(
    () => {
      const checked = normaliseNewName(value);
      return "problem" in checked ? checked.problem : null;
    },
    async () => {
      const checked = normaliseNewName(value);
      const target = "name" in checked ? checked.name : value;
      onCopied(await explainRefusal(() => dagExamples().copy(example, { message: null, target })));
    },
  );
  return (
    <DialogForm {...bound} submitLabel="Copy" testId="copy-example" title={`Copy ${example} to my DAGs`}>
      <NameField
        error={form.error}
        errorTestId="copy-example-error"
        hint="The new file in your DAGs folder (“.py” is added when missing). Its DAG gets an id named after it."
        inputTestId="copy-example-name"
        label="File name"
        onChange={(text) => {
          setValue(text);
          form.clearProblem();
        }}
        value={value}
      />
    </DialogForm>
  );
}

export function CopyExampleDialog({
  example,
  onClose,
  onCopied,
}: {
  /** The example to copy; null: the dialog is closed. */
  example: string | null;
  onClose: () => void;
  onCopied: (copied: Copied, message: string) => void;
}) {
  return (
    <FormDialog onClose={onClose} open={example !== null} testId="copy-example-dialog">
      {example !== null ? (
        <CopyForm example={example} key={example} onClose={onClose} onCopied={(copied) => onCopied(copied, copiedMessage(copied))} />
      ) : null}
    </FormDialog>
  );
}
