"""Write wfo's OpenAPI schema (what `/wfo/openapi.json` serves) as JSON, without starting a server.

Usage: python scripts/dump-openapi.py [OUT]   (stdout without OUT)

The UI's TypeScript types are generated from it (`cd src/wfo/ui && npm run gen:api`). The app is built as
the plugin builds it inside the api-server (`wfo.plugin.app.create_app`), in a throwaway Airflow home with
no `AIRFLOW__*`/`WFO_*` settings from the caller, so the schema is the same on every machine.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import warnings
from pathlib import Path


def _clean_environment(home: str) -> None:
    for name in list(os.environ):
        if name.startswith(("AIRFLOW__", "WFO_")):
            del os.environ[name]
    os.environ["AIRFLOW_HOME"] = home
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__CORE__AUTH_MANAGER"] = (
        "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
    )


def schema_text() -> str:
    with tempfile.TemporaryDirectory(prefix="wfo-openapi-") as home:
        _clean_environment(home)
        # FastAPI's test client module, imported by Airflow, warns about httpx: not news for this script.
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        # Imported only now: Airflow reads its configuration when first imported.
        from wfo.plugin.app import MOUNT_PREFIX, create_app

        schema = create_app().openapi()
        schema["servers"] = [{"url": MOUNT_PREFIX}]  # as the served `/wfo/openapi.json`
        return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) > 2:
        print(__doc__, file=sys.stderr)
        return 2
    text = schema_text()
    if len(argv) == 2:
        Path(argv[1]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
