/** Validation errors and warnings as a list; a click on one with a line moves the editor there. */
import { Badge, Box, Button, Text, VStack } from "@chakra-ui/react";

import type { Problem, UpgradeIssue, ValidationResult } from "../../api/dagFiles";
import { problemLabel } from "./editorLogic";

function Row({ problem, severity, onLine }: { problem: Problem; severity: "error" | "warning"; onLine?: (line: number) => void }) {
  const text = problemLabel(problem);
  return (
    <Box alignItems="baseline" data-severity={severity} data-testid={`dag-problem-${severity}`} display="flex" gap={2}>
      <Badge colorPalette={severity === "error" ? "red" : "orange"} size="sm">
        {severity}
      </Badge>
      <Badge size="sm" variant="outline">
        {problem.kind}
      </Badge>
      {onLine !== undefined && problem.line !== null ? (
        <Button
          fontFamily="mono"
          fontSize="xs"
          height="auto"
          onClick={() => onLine(problem.line!)}
          p={0}
          textAlign="start"
          variant="plain"
          whiteSpace="pre-wrap"
        >
          {text}
        </Button>
      ) : (
        <Text fontFamily="mono" fontSize="xs" whiteSpace="pre-wrap">
          {text}
        </Text>
      )}
    </Box>
  );
}

export function ProblemList({
  validation,
  onLine,
  testId = "dag-problems",
}: {
  validation: ValidationResult;
  onLine?: (line: number) => void;
  testId?: string;
}) {
  if (validation.errors.length === 0 && validation.warnings.length === 0) {
    return null;
  }
  return (
    <VStack align="stretch" data-testid={testId} gap={1}>
      {validation.errors.map((problem, index) => (
        <Row key={`e${index}`} onLine={onLine} problem={problem} severity="error" />
      ))}
      {validation.warnings.map((problem, index) => (
        <Row key={`w${index}`} onLine={onLine} problem={problem} severity="warning" />
      ))}
    </VStack>
  );
}

/** What the upgrade could not rewrite by itself: line, message and a hint. */
export function UpgradeIssues({ issues }: { issues: UpgradeIssue[] }) {
  if (issues.length === 0) {
    return null;
  }
  return (
    <VStack align="stretch" data-testid="upgrade-issues" gap={1} mt={2}>
      <Text fontSize="sm" fontWeight="semibold">
        To change by hand:
      </Text>
      {issues.map((issue, index) => (
        <Text data-testid="upgrade-issue" fontFamily="mono" fontSize="xs" key={index}>
          line {issue.line}: {issue.message}
          {issue.hint ? ` — ${issue.hint}` : ""}
        </Text>
      ))}
    </VStack>
  );
}
