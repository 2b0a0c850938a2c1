/**
 * A list page's body: the search box, the load error / first-load spinner / "nothing found" line,
 * and the table of what the server returned for the search. Test ids derive from `testId`:
 * `<testId>-load-error`, `-loading`, `-empty` and `-table`.
 */
import type { ReactNode } from "react";

import type { AsyncState } from "../hooks/useAsync";
import { DataTable, type Column } from "./DataTable";
import { LoadState } from "./LoadState";
import { SearchBar, type SearchInputProps } from "./SearchInput";

export function SearchableTable<T>({
  search,
  loaded,
  items,
  testId,
  emptyTestId = `${testId}-empty`,
  empty,
  columns,
  fixed,
  row,
}: {
  search: SearchInputProps;
  loaded: AsyncState<unknown> & { reload: () => void };
  items: readonly T[] | undefined;
  testId: string;
  emptyTestId?: string;
  empty: ReactNode;
  columns: readonly Column[];
  /** See `DataTable`'s `fixed`. */
  fixed?: boolean;
  /** One `Table.Row` (with its key) per item. */
  row: (item: T) => ReactNode;
}) {
  return (
    <>
      <SearchBar {...search} refreshing={loaded.status === "loading" && items !== undefined} />
      <LoadState
        empty={empty}
        emptyTestId={emptyTestId}
        errorTestId={`${testId}-load-error`}
        items={items}
        loaded={loaded}
        loadingTestId={`${testId}-loading`}
      />
      {items !== undefined && items.length > 0 ? (
        <DataTable columns={columns} fixed={fixed} testId={`${testId}-table`}>
          {items.map((item) => row(item))}
        </DataTable>
      ) : null}
    </>
  );
}
