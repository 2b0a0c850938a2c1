/** How sizes and checksums are shown. */

const UNITS = ["KB", "MB", "GB", "TB"] as const;

/** "383 B", "1.7 KB", "12.0 MB" (powers of 1024, like `ls -h`). */
export function formatSize(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) {
    return "";
  }
  if (bytes < 1024) {
    return `${bytes} B`;
  }
  let value = bytes;
  let unit: string = "B";
  for (const next of UNITS) {
    if (value < 1024) {
      break;
    }
    value /= 1024;
    unit = next;
  }
  return `${value.toFixed(1)} ${unit}`;
}

/** The first 12 hex digits of a sha256, enough to tell versions apart at a glance. */
export function shortHash(sha256: string): string {
  return sha256.slice(0, 12);
}
