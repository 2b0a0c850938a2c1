/**
 * The bordered, scrollable table of the list and detail pages, and the cells they repeat: a mono
 * link to an item, a time, a size, and the row's action buttons at the end.
 */
import { HStack, Link, Table } from "@chakra-ui/react";
import type { ReactNode } from "react";
import { Link as RouterLink } from "react-router-dom";

import { formatSize } from "../format";
import { formatTime } from "../time";

/** A column heading: its text, or with `end` for right-aligned numbers and `title` for a tooltip. */
export type Column = string | { label: string; end?: boolean; title?: string };

export function DataTable({
  testId,
  columns,
  mb,
  children,
}: {
  testId: string;
  /** `""` is the unlabelled column of the row actions. */
  columns: readonly Column[];
  mb?: number;
  children: ReactNode;
}) {
  return (
    <Table.ScrollArea borderWidth="1px" mb={mb} rounded="md">
      <Table.Root data-testid={testId} size="sm">
        <Table.Header>
          <Table.Row>
            {columns.map((column, index) => {
              const { label, end, title } = typeof column === "string" ? { label: column } : column;
              return (
                <Table.ColumnHeader key={index} textAlign={end ? "end" : undefined} title={title}>
                  {label === "" ? null : label}
                </Table.ColumnHeader>
              );
            })}
          </Table.Row>
        </Table.Header>
        <Table.Body>{children}</Table.Body>
      </Table.Root>
    </Table.ScrollArea>
  );
}

/** The first cell of a row: the item's name, linking to its page. */
export function LinkCell({ testId, to, children }: { testId: string; to: string; children: ReactNode }) {
  return (
    <Table.Cell>
      <Link asChild colorPalette="blue" fontFamily="mono">
        <RouterLink data-testid={testId} to={to}>
          {children}
        </RouterLink>
      </Link>
    </Table.Cell>
  );
}

export function TimeCell({ time }: { time: string | null | undefined }) {
  return <Table.Cell whiteSpace="nowrap">{formatTime(time)}</Table.Cell>;
}

export function SizeCell({ bytes }: { bytes: number | null | undefined }) {
  return (
    <Table.Cell textAlign="end" whiteSpace="nowrap">
      {formatSize(bytes)}
    </Table.Cell>
  );
}

/** The last cell of a row: its buttons, right-aligned. */
export function ActionsCell({ children }: { children: ReactNode }) {
  return (
    <Table.Cell>
      <HStack gap={1} justify="flex-end">
        {children}
      </HStack>
    </Table.Cell>
  );
}
