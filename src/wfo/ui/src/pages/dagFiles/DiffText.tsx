/** A unified diff, coloured line by line (no editor needed: the list and history pages use it). */
import { Box, Text } from "@chakra-ui/react";

import { diffLines, type DiffLineKind } from "./editorLogic";

const COLORS: Record<DiffLineKind, { bg?: string; color?: string }> = {
  add: { bg: "green.subtle", color: "green.fg" },
  context: {},
  header: { color: "fg.muted" },
  hunk: { bg: "blue.subtle", color: "blue.fg" },
  remove: { bg: "red.subtle", color: "red.fg" },
};

export function DiffText({ diff, testId }: { diff: string; testId: string }) {
  const lines = diffLines(diff);
  if (lines.length === 0) {
    return (
      <Text color="fg.muted" data-testid={`${testId}-empty`} fontSize="sm">
        No differences.
      </Text>
    );
  }
  return (
    <Box
      as="pre"
      bg="bg.subtle"
      borderWidth="1px"
      data-testid={testId}
      fontFamily="mono"
      fontSize="xs"
      maxH="60vh"
      overflow="auto"
      py={2}
      rounded="md"
    >
      {lines.map((line, index) => (
        <Box as="span" data-kind={line.kind} display="block" key={index} px={3} {...COLORS[line.kind]}>
          {line.text === "" ? " " : line.text}
        </Box>
      ))}
    </Box>
  );
}
