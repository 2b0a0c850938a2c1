#!/usr/bin/env bash
# Check that the committed UI bundle is exactly what the sources build.
#
# The bundle (src/wfo/plugin/static/wfo-ui.umd.cjs) is committed so `pip install wfo` needs no Node.js.
# This script installs the locked dependencies (`npm ci`, no install scripts), runs the UI unit tests,
# rebuilds into a temporary directory and fails if the result differs from the committed file.
# Fix a failure with:  cd src/wfo/ui && npm ci && npm run build   (then commit the bundle).
# Needs Node.js >= 20.19 and npm; only the npm registry is contacted.
set -euo pipefail
cd "$(dirname "$0")/.."

UI_DIR=src/wfo/ui
BUNDLE=src/wfo/plugin/static/wfo-ui.umd.cjs

fail() {
    echo "check-ui-bundle: $*" >&2
    exit 1
}

command -v npm >/dev/null || fail "npm not found (install Node.js >= 20.19)"
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' \
    || fail "Node.js >= 20.19 is needed, found $(node --version)"

# The lockfile must not pin a registry host (see src/wfo/ui/.npmrc and `npm run lock`).
if grep -nE 'https?://' "$UI_DIR/package-lock.json" >&2; then
    fail "$UI_DIR/package-lock.json contains URLs; regenerate it with: cd $UI_DIR && npm run lock"
fi
[ -f "$BUNDLE" ] || fail "$BUNDLE is missing; build it with: cd $UI_DIR && npm ci && npm run build"

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

cd "$UI_DIR"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
npm test --silent
WFO_UI_OUT_DIR="$out" npm run build --silent
cd - >/dev/null

built=("$out"/*)
[ "${#built[@]}" -eq 1 ] && [ "${built[0]}" = "$out/$(basename "$BUNDLE")" ] \
    || fail "the build should write exactly one file, $(basename "$BUNDLE"); it wrote: $(ls "$out")"

if ! cmp -s "$out/$(basename "$BUNDLE")" "$BUNDLE"; then
    echo "check-ui-bundle: $BUNDLE is out of date with $UI_DIR (first differing bytes below)." >&2
    cmp "$out/$(basename "$BUNDLE")" "$BUNDLE" >&2 || true
    fail "rebuild it with: cd $UI_DIR && npm ci && npm run build   (and commit the result)"
fi
echo "check-ui-bundle: $BUNDLE matches a fresh build ($(wc -c <"$BUNDLE") bytes)"
