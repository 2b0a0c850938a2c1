/** Ask for a name (new group, clone, rename), check it as the server will, submit, show refusals. */
import { Button, Dialog, Field, Input, Portal } from "@chakra-ui/react";
import { useState, type FormEvent } from "react";

import { useAction } from "../hooks/useAction";

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
  const [problem, setProblem] = useState<string | null>(null);
  const action = useAction();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const name = value.trim();
    const invalid = request.validate(name);
    setProblem(invalid);
    if (invalid === null && (await action.run(() => request.submit(name)))) {
      onClose();
    }
  };
  const error = problem ?? action.error;

  return (
    <form onSubmit={(event) => void submit(event)}>
      <Dialog.Header>
        <Dialog.Title>{request.title}</Dialog.Title>
      </Dialog.Header>
      <Dialog.Body>
        <Field.Root invalid={error !== null}>
          <Field.Label>{request.label}</Field.Label>
          <Input
            autoFocus
            data-testid="name-dialog-input"
            onChange={(event) => {
              setValue(event.target.value);
              setProblem(null);
            }}
            value={value}
          />
          {error === null ? (
            <Field.HelperText>Letters, digits, “_”, “.” and “-”; up to 64 characters.</Field.HelperText>
          ) : (
            <Field.ErrorText data-testid="name-dialog-error">{error}</Field.ErrorText>
          )}
        </Field.Root>
      </Dialog.Body>
      <Dialog.Footer>
        <Button data-testid="name-dialog-cancel" onClick={onClose} size="sm" variant="outline">
          Cancel
        </Button>
        <Button colorPalette="blue" data-testid="name-dialog-submit" loading={action.busy} size="sm" type="submit">
          {request.submitLabel}
        </Button>
      </Dialog.Footer>
    </form>
  );
}

export function NameDialog({ request, onClose }: { request: NameRequest | null; onClose: () => void }) {
  return (
    <Dialog.Root onOpenChange={(details) => (details.open ? undefined : onClose())} open={request !== null}>
      <Portal>
        <Dialog.Backdrop />
        <Dialog.Positioner>
          <Dialog.Content data-testid="name-dialog">
            {/* Keyed so every opening starts from the request's initial value. */}
            {request === null ? null : <NameForm key={request.title} onClose={onClose} request={request} />}
          </Dialog.Content>
        </Dialog.Positioner>
      </Portal>
    </Dialog.Root>
  );
}
