/** Side-by-side, read-only diff of two versions of a file (CodeMirror's merge view). */
import { Box, Flex, Text } from "@chakra-ui/react";
import { useEffect, useRef } from "react";

import { MergeView, readOnlyExtensions } from "./codemirror";

export function MergeDiff({
  left,
  right,
  leftLabel,
  rightLabel,
  dark,
  testId,
}: {
  left: string;
  right: string;
  leftLabel: string;
  rightLabel: string;
  dark: boolean;
  testId: string;
}) {
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const view = new MergeView({
      a: { doc: left, extensions: readOnlyExtensions(dark) },
      b: { doc: right, extensions: readOnlyExtensions(dark) },
      collapseUnchanged: { margin: 3, minSize: 6 },
      gutter: true,
      highlightChanges: true,
      parent: host.current!,
    });
    return () => view.destroy();
  }, [left, right, dark]);

  return (
    <Box data-testid={testId}>
      <Flex fontSize="sm" fontWeight="semibold" mb={1}>
        <Text data-testid={`${testId}-left-label`} flex="1">
          {leftLabel}
        </Text>
        <Text data-testid={`${testId}-right-label`} flex="1">
          {rightLabel}
        </Text>
      </Flex>
      <Box borderWidth="1px" fontSize="13px" maxHeight="65vh" overflow="auto" ref={host} rounded="md" />
      {left === right ? (
        <Text color="fg.muted" data-testid={`${testId}-same`} fontSize="sm" mt={1}>
          No differences.
        </Text>
      ) : null}
    </Box>
  );
}
