/** A search box's text, and the query to ask the server for: the trimmed text once typing pauses. */
import { useEffect, useState } from "react";

export function useDebouncedSearch(delayMs = 250) {
  const [search, setSearch] = useState("");
  const [query, setQuery] = useState("");
  // Ask the server once typing pauses, not on every key.
  useEffect(() => {
    const timer = setTimeout(() => setQuery(search.trim()), delayMs);
    return () => clearTimeout(timer);
  }, [search, delayMs]);
  return { query, search, setSearch };
}
