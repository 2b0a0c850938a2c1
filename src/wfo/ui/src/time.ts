/** Conversions between the API's ISO 8601 UTC strings and what people read and type. */

const pad = (value: number) => String(value).padStart(2, "0");

/**
 * An API timestamp as a Date. The API speaks UTC; a timestamp without an offset (a naive datetime
 * from SQLite) is read as UTC too, where `new Date` would take it for local time.
 */
export function parseApiTime(iso: string): Date {
  const hasZone = /(?:[zZ]|[+-]\d{2}:?\d{2})$/u.test(iso);
  return new Date(hasZone || !iso.includes("T") ? iso : `${iso}Z`);
}

/** "2026-03-01 14:05:09" in the browser's time zone, or the input unchanged if it is not a date. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) {
    return "";
  }
  const date = parseApiTime(iso);
  if (Number.isNaN(date.getTime())) {
    return iso;
  }
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/** `<input type="datetime-local">` value (local wall-clock time) -> ISO 8601 UTC, or "" if empty/invalid. */
export function localInputToIso(value: string): string {
  if (value === "") {
    return "";
  }
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString();
}

/** ISO 8601 -> `<input type="datetime-local">` value in local time, or "" if empty/invalid. */
export function isoToLocalInput(iso: string | null | undefined): string {
  if (!iso) {
    return "";
  }
  const date = parseApiTime(iso);
  if (Number.isNaN(date.getTime())) {
    return "";
  }
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}
