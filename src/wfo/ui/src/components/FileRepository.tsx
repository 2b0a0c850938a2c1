/**
 * The one pattern of our file repositories (Spark dependencies, code artifacts): the drop zone for
 * uploads, the outcome of the last action, the search box and the table of files with the same
 * columns — name, type, size, last modified, then what a repository adds, then the row's actions.
 */
import { Badge, Table } from "@chakra-ui/react";
import { Fragment, type ReactNode } from "react";

import type { AsyncState } from "../hooks/useAsync";
import { fileType } from "../pages/uploadExtensions";
import { ActionOutcome } from "./ActionOutcome";
import type { Column } from "./DataTable";
import { ActionsCell, LinkCell, SizeCell, TimeCell } from "./DataTable";
import { DropZone } from "./DropZone";
import { SearchableTable } from "./SearchableTable";
import type { SearchInputProps } from "./SearchInput";

export interface StoredFile {
  name: string;
  size: number;
  /** ISO 8601, UTC. */
  modified: string | null;
}

/** A column a repository adds after the common ones: its heading and its cell (a `Table.Cell`). */
export interface ExtraColumn<T> {
  column: Column;
  cell: (file: T) => ReactNode;
}

export function FileRepository<T extends StoredFile>({
  testId,
  rowTestId,
  upload,
  outcome,
  search,
  loaded,
  files,
  empty,
  link,
  extra = [],
  actions,
}: {
  /** `<testId>-table`, `-empty`, `-loading`, `-load-error`; `<testId>-message`/`-error` the outcome. */
  testId: string;
  /** Each row is `<rowTestId>-row-<name>`, its link `<rowTestId>-link-<name>`. */
  rowTestId: string;
  /** Shown to users who may upload. */
  upload: { testId: string; uploadTestId: string; extensions: readonly string[]; busy: boolean; onFiles: (files: File[]) => void } | null;
  outcome: { done: string | null; error: string | null };
  search: SearchInputProps;
  loaded: AsyncState<unknown> & { reload: () => void };
  files: readonly T[] | undefined;
  empty: ReactNode;
  /** Where a file's name leads, if it has a page of its own. */
  link?: (file: T) => string;
  extra?: readonly ExtraColumn<T>[];
  actions: (file: T) => ReactNode;
}) {
  const columns: Column[] = [
    "File name",
    { label: "Type", width: "6rem" },
    { end: true, label: "Size", width: "7rem" },
    { label: "Last modified", width: "11rem" },
    ...extra.map((item) => item.column),
    { label: "", width: "5.5rem" },
  ];
  return (
    <>
      {upload === null ? null : <DropZone {...upload} />}
      <ActionOutcome done={outcome.done} error={outcome.error} testId={testId} />
      <SearchableTable
        columns={columns}
        empty={empty}
        fixed
        items={files}
        loaded={loaded}
        row={(file) => (
          <Table.Row data-testid={`${rowTestId}-row-${file.name}`} key={file.name}>
            {link === undefined ? (
              <Table.Cell fontFamily="mono" title={file.name} truncate>
                {file.name}
              </Table.Cell>
            ) : (
              <LinkCell testId={`${rowTestId}-link-${file.name}`} title={file.name} to={link(file)}>
                {file.name}
              </LinkCell>
            )}
            <Table.Cell>
              <Badge fontFamily="mono" variant="outline">
                {fileType(file.name) || "—"}
              </Badge>
            </Table.Cell>
            <SizeCell bytes={file.size} />
            <TimeCell time={file.modified} />
            {extra.map((item, index) => (
              <Fragment key={index}>{item.cell(file)}</Fragment>
            ))}
            <ActionsCell>{actions(file)}</ActionsCell>
          </Table.Row>
        )}
        search={search}
        testId={testId}
      />
    </>
  );
}
