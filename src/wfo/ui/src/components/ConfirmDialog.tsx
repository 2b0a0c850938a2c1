/** "Are you sure?" before a destructive action; a refusal from the server is shown in the dialog. */
import { Alert, Button, Dialog, Portal, Text } from "@chakra-ui/react";
import { useState, type ReactNode } from "react";

import { useAction } from "../hooks/useAction";

export interface ConfirmRequest {
  title: string;
  message: ReactNode;
  confirmLabel: string;
  /** Runs on confirm; the dialog closes when it resolves and stays open with the error when it throws. */
  action: () => Promise<void>;
}

export function ConfirmDialog({ request, onClose }: { request: ConfirmRequest | null; onClose: () => void }) {
  const action = useAction();

  const close = () => {
    action.clear();
    onClose();
  };
  const confirm = async () => {
    if (request !== null && (await action.run(request.action))) {
      close();
    }
  };

  return (
    <Dialog.Root
      onOpenChange={(details) => (details.open ? undefined : close())}
      open={request !== null}
      role="alertdialog"
    >
      <Portal>
        <Dialog.Backdrop />
        <Dialog.Positioner>
          <Dialog.Content data-testid="confirm-dialog">
            <Dialog.Header>
              <Dialog.Title>{request?.title}</Dialog.Title>
            </Dialog.Header>
            <Dialog.Body>
              <Text>{request?.message}</Text>
              {action.error === null ? null : (
                <Alert.Root data-testid="confirm-error" mt={3} status="error">
                  <Alert.Indicator />
                  <Alert.Description>{action.error}</Alert.Description>
                </Alert.Root>
              )}
            </Dialog.Body>
            <Dialog.Footer>
              <Button data-testid="confirm-cancel" onClick={close} size="sm" variant="outline">
                Cancel
              </Button>
              <Button
                colorPalette="red"
                data-testid="confirm-ok"
                loading={action.busy}
                onClick={() => void confirm()}
                size="sm"
              >
                {request?.confirmLabel}
              </Button>
            </Dialog.Footer>
          </Dialog.Content>
        </Dialog.Positioner>
      </Portal>
    </Dialog.Root>
  );
}

/**
 * A page's confirm step: `ask(request)` opens the dialog, `dialog` is the element to render once
 * (at the end of the page).
 */
export function useConfirm() {
  const [request, setRequest] = useState<ConfirmRequest | null>(null);
  return { ask: setRequest, dialog: <ConfirmDialog onClose={() => setRequest(null)} request={request} /> };
}
