"""Write a new migration script by diffing the models against the current migration head.

Run `python -m wfo.db.autogenerate "add foo to wfo_setting"`. The diff is taken against a throwaway SQLite
database upgraded with the existing scripts, so no Airflow configuration or running database is needed.
Review the generated script: autogenerate misses renames and server-side data changes.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config for wfo's scripts that is independent of Airflow's settings."""
    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def write_revision(message: str) -> None:
    """Generate `migrations/versions/<rev>_<date>_<slug>.py` for model changes not yet migrated."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'head.db'}"
        engine = create_engine(url)
        try:
            with engine.begin() as connection:
                config = alembic_config(url)
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                command.revision(config, message=message, autogenerate=True)
        finally:
            engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("message", help="what the revision does, e.g. 'add foo to wfo_setting'")
    write_revision(parser.parse_args().message)


if __name__ == "__main__":
    main()
