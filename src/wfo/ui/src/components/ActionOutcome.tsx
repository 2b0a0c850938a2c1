/** The outcome of the last action on a page: a success line or the server's message. */
import { Alert } from "@chakra-ui/react";

export function ActionOutcome({ done, error, testId }: { done: string | null; error: string | null; testId: string }) {
  if (error !== null) {
    return (
      <Alert.Root data-testid={`${testId}-error`} mb={3} status="error">
        <Alert.Indicator />
        <Alert.Description>{error}</Alert.Description>
      </Alert.Root>
    );
  }
  if (done !== null) {
    return (
      <Alert.Root data-testid={`${testId}-message`} mb={3} status="success">
        <Alert.Indicator />
        <Alert.Description>{done}</Alert.Description>
      </Alert.Root>
    );
  }
  return null;
}
