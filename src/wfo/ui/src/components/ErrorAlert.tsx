import { Alert, Button } from "@chakra-ui/react";

import { ApiError } from "../api/client";

function describe(error: Error): string {
  if (error instanceof ApiError && error.status === 403) {
    return `You do not have permission for this. ${error.message}`;
  }
  return error.message;
}

/** An error from loading or saving, with an optional retry. */
export function ErrorAlert({ error, onRetry, testId }: { error: Error; onRetry?: () => void; testId?: string }) {
  return (
    <Alert.Root data-testid={testId ?? "wfo-error"} status="error">
      <Alert.Indicator />
      <Alert.Content>
        <Alert.Title>Something went wrong</Alert.Title>
        <Alert.Description>{describe(error)}</Alert.Description>
      </Alert.Content>
      {onRetry ? (
        <Button alignSelf="center" onClick={onRetry} size="sm" variant="outline">
          Retry
        </Button>
      ) : null}
    </Alert.Root>
  );
}
