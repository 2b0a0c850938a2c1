/**
 * The file types each repository accepts, as the upload areas show them: sorted, spelled as the docs
 * write them (`.R`). The server decides (`EXTENSIONS` in src/wfo/repositories/); a unit test keeps
 * these lists equal to its lists.
 */

/** Sorted case-insensitively (as the server's refusals list them), each spelled as given. */
export function displayExtensions(extensions: readonly string[]): string[] {
  const key = (extension: string) => extension.toLowerCase();
  return [...extensions].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export const SPARK_DEPENDENCY_TYPES = displayExtensions([".jar", ".py", ".zip", ".egg"]);

export const CODE_ARTIFACT_TYPES = displayExtensions([
  ".py", ".jar", ".zip", ".egg", ".whl", ".sql", ".sh", ".R", ".scala", ".json", ".yaml", ".yml",
  ".txt", ".conf", ".properties", ".ipynb", ".csv",
]);

/** A file's type as its name ends (`.jar`, `.R`); "" for a name without one. */
export function fileType(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot) : "";
}
