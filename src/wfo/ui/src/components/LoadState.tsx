/**
 * What a page shows instead of (or above) its list: the load error with a retry, a spinner on the
 * first load, and a line when the list is empty.
 */
import { Spinner, Text, type TextProps } from "@chakra-ui/react";
import type { ReactNode } from "react";

import type { AsyncState } from "../hooks/useAsync";
import { ErrorAlert } from "./ErrorAlert";

export function LoadState({
  loaded,
  items,
  errorTestId,
  loadingTestId,
  spinnerSize,
  emptyTestId,
  empty,
  emptyProps = { py: 6 },
}: {
  loaded: AsyncState<unknown> & { reload: () => void };
  /** The list on screen; undefined until it first arrives. */
  items: readonly unknown[] | undefined;
  errorTestId: string;
  loadingTestId?: string;
  spinnerSize?: "sm";
  /** Without these, an empty list shows nothing. */
  emptyTestId?: string;
  empty?: ReactNode;
  emptyProps?: TextProps;
}) {
  return (
    <>
      {loaded.status === "error" ? <ErrorAlert error={loaded.error} onRetry={loaded.reload} testId={errorTestId} /> : null}
      {items === undefined && loaded.status === "loading" ? <Spinner data-testid={loadingTestId} size={spinnerSize} /> : null}
      {items !== undefined && items.length === 0 && emptyTestId !== undefined ? (
        <Text color="fg.muted" data-testid={emptyTestId} {...emptyProps}>
          {empty}
        </Text>
      ) : null}
    </>
  );
}
