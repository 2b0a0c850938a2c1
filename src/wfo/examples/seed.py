"""Seed the example DAGs' code artifacts and data on first start (idempotent; run by the init step).

* the example datasets are copied to `$WFO_HOME/examples-data/input/` (never overwritten);
* the Airflow Variable `wfo_examples_data_dir` points the example DAGs at that folder;
* the example code artifacts are uploaded unless an artifact of that name exists (a user's newer
  version is never replaced); `spark-pi.jar` is compiled from `java/` with the JDK's javac against
  pyspark's jars;
* the example notebooks are copied into the notebook workspace, under
  `common_workspace/examples/`, unless a notebook of that name is there (a user's edit is kept).
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from wfo.settings import Settings

if TYPE_CHECKING:
    from wfo.notebooks.workspace import NotebookWorkspace

EXAMPLES = Path(__file__).resolve().parent
DAGS_DIR = EXAMPLES / "dags"
DATA_VARIABLE = "wfo_examples_data_dir"
JAR_NAME = "spark-pi.jar"
# Where the example notebooks land in the workspace (common_workspace/examples/...).
NOTEBOOKS_FOLDER = "common_workspace/examples"

log = logging.getLogger(__name__)


def data_dir(settings: Settings) -> Path:
    return settings.home / "examples-data"


def seed_data(settings: Settings) -> Path:
    target = data_dir(settings) / "input"
    target.mkdir(parents=True, exist_ok=True)
    (data_dir(settings) / "output").mkdir(exist_ok=True)
    for source in sorted((EXAMPLES / "data").glob("*.csv")):
        if not (target / source.name).exists():
            shutil.copyfile(source, target / source.name)
    return data_dir(settings)


def seed_variable(settings: Settings) -> None:
    from airflow.models import Variable

    # Kept if it exists: an admin may point the examples at data elsewhere (e.g. on HDFS).
    Variable.setdefault(  # type: ignore[no-untyped-call]
        DATA_VARIABLE, str(data_dir(settings)), description="Data of wfo's example DAGs"
    )


def build_example_jar(destination: Path, spark_home: str | None) -> Path | None:
    """Compile the SparkPi example into a jar; None (with a warning) where no JDK or Spark is installed."""
    javac, jar = shutil.which("javac"), shutil.which("jar")
    if not (javac and jar and spark_home):
        log.warning("javac/jar or pyspark not found: the %s example artifact is not built", JAR_NAME)
        return None
    sources = sorted(str(p) for p in (EXAMPLES / "java").rglob("*.java"))
    with tempfile.TemporaryDirectory(prefix="wfo-jar-") as classes:
        subprocess.run(
            [javac, "--release", "17", "-cp", f"{spark_home}/jars/*", "-d", classes, *sources],
            check=True,
            capture_output=True,
            timeout=300,
        )
        subprocess.run(
            [jar, "cf", str(destination), "-C", classes, "."], check=True, capture_output=True, timeout=120
        )
    return destination


def seed_artifacts(spark_home: str | None, built_jar: Path | None = None) -> list[str]:
    """Upload the example artifacts that are not in the repository yet; returns their names.

    `built_jar`: the example jar built ahead (the init step compiles it while the database migrates).
    """
    from wfo.repositories.code_artifacts import CodeArtifacts
    from wfo.repositories.errors import NotFoundError
    from wfo.repositories.files import Upload

    repository = CodeArtifacts.from_settings()

    def missing(name: str) -> bool:
        try:
            repository.get(name)
        except NotFoundError:
            return True
        return False

    uploaded = []
    for source in sorted((EXAMPLES / "artifacts").iterdir()):
        if source.is_file() and missing(source.name):
            repository.upload([Upload(source.name, io.BytesIO(source.read_bytes()))], "wfo")
            uploaded.append(source.name)
    if missing(JAR_NAME):
        with tempfile.TemporaryDirectory(prefix="wfo-jar-") as work:
            built = built_jar if built_jar and built_jar.is_file() else None
            built = built or build_example_jar(Path(work) / JAR_NAME, spark_home)
            if built is not None:
                repository.upload([Upload(JAR_NAME, io.BytesIO(built.read_bytes()))], "wfo")
                uploaded.append(JAR_NAME)
    return uploaded


def seed_notebooks(workspace: NotebookWorkspace | None = None) -> list[str]:
    """Copy the example notebooks missing from the workspace; returns their workspace paths."""
    from wfo.extras import EXTRAS, missing_modules
    from wfo.notebooks.workspace import NotebookWorkspace

    if missing_modules(EXTRAS["notebooks"]):
        log.info("the notebooks extra is not installed: the example notebooks are not copied")
        return []
    workspace = workspace or NotebookWorkspace.from_settings()
    copied = []
    for source in sorted((EXAMPLES / "notebooks").glob("*.ipynb")):
        path = f"{NOTEBOOKS_FOLDER}/{source.name}"
        if not workspace.exists(path):
            copied.append(workspace.write_bytes(path, source.read_bytes()))
    return copied


def seed_examples(
    settings: Settings, spark_home: str | None, built_jar: Path | None = None
) -> dict[str, object]:
    """`spark_home`: the Spark the jar example compiles against (the CLI finds it; None: no jar)."""
    seed_data(settings)
    seed_variable(settings)
    uploaded = seed_artifacts(spark_home, built_jar)
    return {"examples_uploaded": uploaded, "example_notebooks_copied": seed_notebooks()}
