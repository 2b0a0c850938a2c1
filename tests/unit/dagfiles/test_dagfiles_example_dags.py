"""The shipped example DAGs as Manage DAGs offers them: listed read-only, read, copied with DAG ids of their own.

Per-DAG access applies as to the DAGs folder (the user's grants given as readable DAG ids, as in
test_dagfiles_reading.py); the copy goes through the normal save path, so it is validated by the real
validator process and committed in the DAGs folder's history.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from wfo.cli.airflow_config import EXAMPLES_BUNDLE as CONFIGURED_BUNDLE
from wfo.dagfiles import example_dags
from wfo.dagfiles.errors import DagFileExists, DagFileNotFound
from wfo.dagfiles.listing import EXAMPLES_BUNDLE
from wfo.dagfiles.reading import DagCodeAccess
from wfo.dagfiles.store import DagFolder
from wfo.examples.seed import DAGS_DIR

EXAMPLES = sorted(path.name for path in DAGS_DIR.glob("*.py"))


def _dag_ids_by_regex(content: str) -> list[str]:
    """The ids as Airflow gets them (parsed independently of the module under test)."""
    found = []
    for node in ast.walk(ast.parse(content)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "DAG":
            kw = {k.arg: k.value for k in node.keywords}
            value = kw.get("dag_id", node.args[0] if node.args else None)
            assert isinstance(value, ast.Constant)
            found.append(value.value)
    return found


@pytest.fixture
def airflow_session() -> Iterator[Session]:
    """Airflow's tables with the examples parsed in their bundle."""
    from airflow.models.dag import DagModel
    from airflow.models.dagbundle import DagBundleModel
    from airflow.models.errors import ParseImportError

    engine = create_engine("sqlite://")
    for table in (DagBundleModel.__table__, DagModel.__table__, ParseImportError.__table__):
        table.create(engine)  # type: ignore[attr-defined]
    with Session(engine) as session:
        session.add_all([DagBundleModel(name=EXAMPLES_BUNDLE), DagBundleModel(name="dags-folder")])
        for name in EXAMPLES:
            for dag_id in _dag_ids_by_regex((DAGS_DIR / name).read_text()):
                session.add(
                    DagModel(
                        dag_id=dag_id,
                        bundle_name=EXAMPLES_BUNDLE,
                        relative_fileloc=name,
                        fileloc=str(DAGS_DIR / name),
                        is_stale=False,
                    )
                )
        session.commit()
        yield session
    engine.dispose()


def access(session: Session, readable: set[str] | None = None) -> DagCodeAccess:
    return DagCodeAccess(session, (lambda _: True) if readable is None else readable.__contains__, True)


def test_the_configured_bundle_is_the_one_read_here() -> None:
    assert EXAMPLES_BUNDLE == CONFIGURED_BUNDLE


def test_every_shipped_example_is_listed_with_its_dags_and_what_it_shows(airflow_session: Session) -> None:
    listed = example_dags.list_examples(DAGS_DIR, access(airflow_session))
    assert [e.name for e in listed] == [name for name in EXAMPLES if not name.startswith("wfo_")]
    assert len(listed) == 11  # the bundle's system DAG (wfo_eda.py, the EDA reports) is not an example
    with pytest.raises(DagFileNotFound):
        example_dags.describe_example(DAGS_DIR, access(airflow_session), "wfo_eda.py")
    spark_pi = next(e for e in listed if e.name == "example_spark_pi.py")
    assert spark_pi.dag_ids == ["ExampleSparkPi"]
    assert spark_pi.description.startswith("SparkPi with a JVM code artifact")
    assert all(e.description for e in listed)
    # The search looks at names, DAG ids and descriptions.
    assert [e.name for e in example_dags.list_examples(DAGS_DIR, access(airflow_session), "sparkpi")] == [
        "example_spark_pi.py"
    ]


def test_per_dag_access_applies_to_examples(airflow_session: Session) -> None:
    only_pi = access(airflow_session, {"ExampleSparkPi"})
    assert [e.name for e in example_dags.list_examples(DAGS_DIR, only_pi)] == ["example_spark_pi.py"]
    assert "ExampleSparkPi" in example_dags.describe_example(DAGS_DIR, only_pi, "example_spark_pi.py").content
    for hidden in ("example_dask.py", "no_such_example.py"):
        with pytest.raises(DagFileNotFound, match=f"there is no example DAG '{hidden}'"):
            example_dags.describe_example(DAGS_DIR, only_pi, hidden)


@pytest.mark.parametrize("name", EXAMPLES)
def test_a_copy_renames_exactly_the_dag_ids(name: str) -> None:
    content = (DAGS_DIR / name).read_text()
    old = _dag_ids_by_regex(content)
    renamed = example_dags.copy_dag_ids(example_dags.dag_id_literals(content), f"team/my-{name}", set())
    assert list(renamed) == old
    copy = example_dags.renamed_source(content, renamed)
    assert _dag_ids_by_regex(copy) == [renamed[dag_id] for dag_id in old]
    # Nothing else changes: the same lines but those naming a DAG id.
    changed = [(a, b) for a, b in zip(content.splitlines(), copy.splitlines(), strict=True) if a != b]
    assert len(changed) == len(old)
    for before, after in changed:
        dag_id = next(d for d in old if d in before)
        assert after == before.replace(f'"{dag_id}"', f'"{renamed[dag_id]}"')


def test_copy_ids_follow_the_file_name_and_are_never_taken() -> None:
    literals = example_dags.dag_id_literals('DAG("A")\nDAG(dag_id="B")\n')
    assert example_dags.copy_dag_ids(literals[:1], "team/my-etl.py", set()) == {"A": "my_etl"}
    assert example_dags.copy_dag_ids(literals[:1], "etl.py", {"etl", "etl_2"}) == {"A": "etl_3"}
    assert example_dags.copy_dag_ids(literals, "etl.py", set()) == {"A": "etl_A", "B": "etl_B"}


def test_a_copy_over_an_existing_file_is_refused_before_anything_runs(
    airflow_session: Session, tmp_path: Path
) -> None:
    """Saving a copy (validated, committed, renamed ids) is tested on the platform: test_dagfiles_api.py."""
    folder = DagFolder(tmp_path / "dags")
    folder.save("example_spark_pi.py", "# mine\n", None, "dev")
    with pytest.raises(DagFileExists, match="'example_spark_pi.py' exists already in your DAGs folder"):
        example_dags.copy_example(folder, DAGS_DIR, access(airflow_session), "example_spark_pi.py", "dev")
    assert folder.read("example_spark_pi.py")[1] == "# mine\n"
    assert len(folder.history("example_spark_pi.py")) == 1
