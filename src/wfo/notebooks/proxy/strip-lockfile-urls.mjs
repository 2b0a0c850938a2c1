// Same as src/wfo/ui/tools/strip-lockfile-urls.mjs: the lock file names no host (works behind any mirror).
import { readFileSync, writeFileSync } from "node:fs";

const path = new URL("./package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
for (const entry of Object.values(lock.packages ?? {})) {
  delete entry.funding;
}
const text = `${JSON.stringify(lock, null, 2)}\n`;
const leftover = text.match(/https?:\/\/[^"]*/u);
if (leftover) {
  throw new Error(`package-lock.json still contains a URL: ${leftover[0]}`);
}
writeFileSync(path, text);
