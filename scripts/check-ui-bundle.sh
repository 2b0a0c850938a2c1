#!/usr/bin/env bash
# Check that the committed UI bundle is exactly what the sources build.
#
# The bundle (src/wfo/plugin/static/wfo-ui.umd.cjs) is committed so `pip install wfo` needs no Node.js.
# This script installs the locked dependencies (`npm ci`, no install scripts), checks that the committed
# API types (src/wfo/ui/src/api/schema.gen.ts) are what the server's OpenAPI schema generates, runs the UI
# unit tests, rebuilds into a temporary directory and fails if the result differs from the committed file.
# Fix a failure with:  cd src/wfo/ui && npm ci && npm run gen:api && npm run build   (then commit both).
# Needs Node.js >= 20.19 and npm; only the npm registry is contacted.
set -euo pipefail
cd "$(dirname "$0")/.."

UI_DIR=src/wfo/ui
BUNDLE=src/wfo/plugin/static/wfo-ui.umd.cjs
API_TYPES=$UI_DIR/src/api/schema.gen.ts

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

out="$(mktemp -d)"    # the build writes only the bundle here
types="$(mktemp -d)"
trap 'rm -rf "$out" "$types"' EXIT

(cd "$UI_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)

# The API types: a fresh dump of the schema (in-process, scripts/dump-openapi.py) through openapi-typescript.
fresh="$types/$(basename "$API_TYPES")"
bash scripts/gen-api-types.sh "$fresh"
if ! cmp -s "$fresh" "$API_TYPES"; then
    echo "check-ui-bundle: $API_TYPES differs from what the API's OpenAPI schema generates:" >&2
    diff -u "$API_TYPES" "$fresh" | head -40 >&2 || true
    fail "regenerate it with: cd $UI_DIR && npm run gen:api   (then rebuild the bundle and commit both)"
fi

cd "$UI_DIR"
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
