/**
 * A modal form (name a new DAG, add a code brick...): the dialog frame, the form's title, body and
 * Cancel / submit footer, and the line under a field that is its hint or, after a refusal, the error.
 */
import { Button, Dialog, Field, Input, Portal } from "@chakra-ui/react";
import { useState, type FormEvent, type ReactNode } from "react";

import { useAction } from "../hooks/useAction";

export function FormDialog({
  open,
  onClose,
  testId,
  size,
  children,
}: {
  open: boolean;
  onClose: () => void;
  testId: string;
  size?: "lg";
  children: ReactNode;
}) {
  return (
    <Dialog.Root onOpenChange={(details) => (details.open ? undefined : onClose())} open={open} size={size}>
      <Portal>
        <Dialog.Backdrop />
        <Dialog.Positioner>
          <Dialog.Content data-testid={testId}>{children}</Dialog.Content>
        </Dialog.Positioner>
      </Portal>
    </Dialog.Root>
  );
}

export function DialogForm({
  title,
  onSubmit,
  onCancel,
  testId,
  submitLabel,
  busy,
  stack = false,
  children,
}: {
  title: ReactNode;
  onSubmit: (event: FormEvent<HTMLFormElement>) => void;
  onCancel: () => void;
  /** `<testId>-cancel` and `<testId>-submit` are the footer's buttons. */
  testId: string;
  submitLabel: string;
  busy?: boolean;
  /** Several fields, one under the other. */
  stack?: boolean;
  children: ReactNode;
}) {
  return (
    <form onSubmit={onSubmit}>
      <Dialog.Header>
        <Dialog.Title>{title}</Dialog.Title>
      </Dialog.Header>
      {stack ? (
        <Dialog.Body display="flex" flexDirection="column" gap={3}>
          {children}
        </Dialog.Body>
      ) : (
        <Dialog.Body>{children}</Dialog.Body>
      )}
      <Dialog.Footer>
        <Button data-testid={`${testId}-cancel`} onClick={onCancel} size="sm" variant="outline">
          Cancel
        </Button>
        <Button colorPalette="brand" data-testid={`${testId}-submit`} loading={busy} size="sm" type="submit">
          {submitLabel}
        </Button>
      </Dialog.Footer>
    </form>
  );
}

/** Under a field: the hint, or the error once there is one. */
export function HintOrError({ hint, error, errorTestId }: { hint: ReactNode; error: string | null; errorTestId: string }) {
  return error === null ? (
    <Field.HelperText>{hint}</Field.HelperText>
  ) : (
    <Field.ErrorText data-testid={errorTestId}>{error}</Field.ErrorText>
  );
}

/** A dialog's name input (autofocused) with its hint or error. */
export function NameField({
  label,
  value,
  onChange,
  placeholder,
  hint,
  error,
  inputTestId,
  errorTestId,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  placeholder?: string;
  hint: ReactNode;
  error: string | null;
  inputTestId: string;
  errorTestId: string;
}) {
  return (
    <Field.Root invalid={error !== null}>
      <Field.Label>{label}</Field.Label>
      <Input
        autoFocus
        data-testid={inputTestId}
        onChange={(event) => onChange(event.target.value)}
        placeholder={placeholder}
        value={value}
      />
      <HintOrError error={error} errorTestId={errorTestId} hint={hint} />
    </Field.Root>
  );
}

/**
 * A dialog form that sends a request: on submit, the client-side check first (its message stops
 * there), then the request; the dialog closes when it succeeds and shows the server's refusal when not.
 */
export function useDialogForm(onClose: () => void) {
  const [problem, setProblem] = useState<string | null>(null);
  const action = useAction();
  return {
    /** DialogForm's `busy`, `onCancel` and `onSubmit`. */
    bind: (check: () => string | null, send: () => Promise<void>) => ({
      busy: action.busy,
      onCancel: onClose,
      onSubmit: (event: FormEvent<HTMLFormElement>) => {
        event.preventDefault();
        const invalid = check();
        setProblem(invalid);
        if (invalid === null) {
          void action.run(send).then((ok) => (ok ? onClose() : undefined));
        }
      },
    }),
    /** Forget the client-side message (the user is typing again). */
    clearProblem: () => setProblem(null),
    error: problem ?? action.error,
  };
}
