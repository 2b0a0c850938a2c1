/** Ask for a name (new group, clone, rename), check it as the server will, submit, show refusals. */
import { useState } from "react";

import { DialogForm, FormDialog, NameField, useDialogForm } from "./FormDialog";

export interface NameRequest {
  title: string;
  label: string;
  submitLabel: string;
  initial: string;
  /** Client-side check; returns a message or null. */
  validate: (name: string) => string | null;
  submit: (name: string) => Promise<void>;
}

function NameForm({ request, onClose }: { request: NameRequest; onClose: () => void }) {
  const [value, setValue] = useState(request.initial);
  const form = useDialogForm(onClose);
  const name = value.trim();

  return (
    <DialogForm
      {...form.bind(() => request.validate(name), () => request.submit(name))}
      submitLabel={request.submitLabel}
      testId="name-dialog"
      title={request.title}
    >
      <NameField
        error={form.error}
        errorTestId="name-dialog-error"
        hint="Letters, digits, “_”, “.” and “-”; up to 64 characters."
        inputTestId="name-dialog-input"
        label={request.label}
        onChange={(text) => {
          setValue(text);
          form.clearProblem();
        }}
        value={value}
      />
    </DialogForm>
  );
}

export function NameDialog({ request, onClose }: { request: NameRequest | null; onClose: () => void }) {
  return (
    <FormDialog onClose={onClose} open={request !== null} testId="name-dialog">
      {/* Keyed so every opening starts from the request's initial value. */}
      {request === null ? null : <NameForm key={request.title} onClose={onClose} request={request} />}
    </FormDialog>
  );
}
