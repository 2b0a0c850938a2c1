// configurable-http-proxy as JupyterHub starts it, with one change: Airflow's session cookie (`_token`,
// sent by browsers to every port of wfo's host) is removed from each request before it is forwarded, so
// neither the hub nor a user's notebook server (where user code runs) ever receives it.
// Usage: node wfo-proxy.mjs <configurable-http-proxy's own arguments>
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const chp = join(here, "node_modules", "configurable-http-proxy");
const { default: ConfigurableProxy } = await import(pathToFileURL(join(chp, "lib", "configproxy.js")).href);

const DROPPED = new Set(["_token"]);

export function withoutDropped(cookie) {
  return cookie
    .split(";")
    .filter((part) => !DROPPED.has(part.split("=", 1)[0].trim()))
    .join(";")
    .trim();
}

const original = ConfigurableProxy.prototype.handleProxy;
ConfigurableProxy.prototype.handleProxy = function (kind, req, ...rest) {
  if (typeof req.headers.cookie === "string") {
    const kept = withoutDropped(req.headers.cookie);
    if (kept) {
      req.headers.cookie = kept;
    } else {
      delete req.headers.cookie;
    }
  }
  return original.call(this, kind, req, ...rest);
};

// The package's command-line program, unchanged (it parses process.argv as when started directly).
await import(pathToFileURL(join(chp, "bin", "configurable-http-proxy")).href);
