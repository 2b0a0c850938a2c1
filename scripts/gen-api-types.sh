#!/usr/bin/env bash
# Generate the UI's TypeScript types of the wfo API from its OpenAPI schema.
#
#   bash scripts/gen-api-types.sh [OUT]     (default: src/wfo/ui/src/api/schema.gen.ts; also `npm run gen:api`)
#
# The schema is dumped in-process (scripts/dump-openapi.py, no server), then openapi-typescript (pinned in
# src/wfo/ui/package.json; run `npm ci` there first) writes the types. scripts/check-ui-bundle.sh runs this
# into a temporary file and fails when the committed types differ.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(realpath -m "${1:-$root/src/wfo/ui/src/api/schema.gen.ts}")"

venv="${WFO_VENV:-.venv}"
case "$venv" in /*) ;; *) venv="$root/$venv" ;; esac
python="$venv/bin/python"
[ -x "$python" ] || python=python3

ui="$root/src/wfo/ui"
[ -x "$ui/node_modules/.bin/openapi-typescript" ] \
    || { echo "gen-api-types: openapi-typescript is not installed; run: cd src/wfo/ui && npm ci" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$python" "$root/scripts/dump-openapi.py" "$work/openapi.json"
"$ui/node_modules/.bin/openapi-typescript" "$work/openapi.json" --output "$work/schema.ts" --default-non-nullable false >/dev/null
{
    echo "// Generated from the wfo API's OpenAPI schema by \`npm run gen:api\` (scripts/gen-api-types.sh): do not edit."
    echo "// Use the models through the aliases in ./types.ts and the other api/*.ts modules."
    cat "$work/schema.ts"
} >"$out"
