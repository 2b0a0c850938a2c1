/**
 * The bordered, scrollable table of the list and detail pages, and the cells they repeat: a mono
 * link to an item, a time, a size, and the row's action buttons at the end.
 */
import { HStack, Link, Table } from "@chakra-ui/react";
import type { ReactNode } from "react";
import { Link as RouterLink } from "react-router-dom";

import { formatSize } from "../format";
import { formatTime } from "../time";

/**
 * A column heading: its text, or with `end` for right-aligned numbers, `title` for a tooltip and
 * `width` (a CSS width) for tables laid out with `fixed` widths.
 */
export type Column = string | { label: string; end?: boolean; title?: string; width?: string };

export function DataTable({
  testId,
  columns,
  fixed = false,
  mb,
  children,
}: {
  testId: string;
  /** `""` is the unlabelled column of the row actions. */
  columns: readonly Column[];
  /**
   * Columns keep the given widths (the others share the rest) and long content stays inside its
   * cell: it wraps or is cut short there instead of running under the next column.
   */
  fixed?: boolean;
  mb?: number;
  children: ReactNode;
}) {
  return (
    <Table.ScrollArea borderWidth="1px" mb={mb} rounded="md">
      <Table.Root data-testid={testId} size="sm" tableLayout={fixed ? "fixed" : undefined}>
        <Table.Header>
          <Table.Row>
            {columns.map((column, index) => {
              const { label, end, title, width } = typeof column === "string" ? { label: column } : column;
              return (
                <Table.ColumnHeader key={index} textAlign={end ? "end" : undefined} title={title} width={width}>
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

/** The first cell of a row: the item's name, linking to its page; with `title`, cut short to fit. */
export function LinkCell({ testId, to, title, children }: { testId: string; to: string; title?: string; children: ReactNode }) {
  return (
    <Table.Cell title={title} truncate={title !== undefined}>
      <Link asChild color="fg.info" fontFamily="mono">
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

/** The last cell of a row: its icon buttons, right-aligned on one line. */
export function ActionsCell({ children }: { children: ReactNode }) {
  return (
    <Table.Cell whiteSpace="nowrap">
      <HStack gap={1} justify="flex-end">
        {children}
      </HStack>
    </Table.Cell>
  );
}
