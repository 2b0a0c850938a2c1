// npm copies each package's "funding" links into package-lock.json and has no setting to stop it.
// They are not needed to install (`npm ci` uses name, version and integrity only), so drop them:
// the lockfile then names no host and works unchanged behind any registry mirror.
// Usage: node strip-lockfile-urls.mjs [path/to/package-lock.json] (default: the UI's own lock file).
import { resolve } from "node:path";
import { readFileSync, writeFileSync } from "node:fs";

const path = process.argv[2] ? resolve(process.argv[2]) : new URL("../package-lock.json", import.meta.url);
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
