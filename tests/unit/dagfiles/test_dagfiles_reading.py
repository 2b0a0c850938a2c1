"""Who may read which DAG file: the rule on a real DAGs folder and Airflow's own `dag` table.

The user's per-DAG grants are given as a set of readable DAG ids (on the platform, Airflow's auth
manager answers; see tests/integration/security/test_security_dag_access.py).
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from wfo.dagfiles import reading, service
from wfo.dagfiles.errors import DagFileNotFound
from wfo.dagfiles.reading import DagCodeAccess
from wfo.dagfiles.store import DagFolder


@pytest.fixture
def airflow_session() -> Iterator[Session]:
    from airflow.models.dag import DagModel
    from airflow.models.dagbundle import DagBundleModel
    from airflow.models.errors import ParseImportError

    engine = create_engine("sqlite://")
    for table in (DagBundleModel.__table__, DagModel.__table__, ParseImportError.__table__):
        table.create(engine)  # type: ignore[attr-defined]
    with Session(engine) as session:
        session.add(DagBundleModel(name="dags-folder"))
        for dag_id, fileloc, stale in [
            ("a", "team/a.py", False),
            ("b", "b.py", False),
            ("b2", "b.py", False),
            ("gone", "old.py", True),
        ]:
            session.add(
                DagModel(
                    dag_id=dag_id,
                    bundle_name="dags-folder",
                    relative_fileloc=fileloc,
                    fileloc=f"/dags/{fileloc}",
                    is_stale=stale,
                )
            )
        session.commit()
        yield session
    engine.dispose()


@pytest.fixture
def folder(tmp_path: Path) -> DagFolder:
    folder = DagFolder(tmp_path / "dags")
    folder.write_many(
        {"team/a.py": "# dag a\n", "b.py": "# dags b and b2\n", "helper.py": "X = 1\n"},
        "dev",
        message="first",
        action="upload",
    )
    return folder


def access(session: Session, readable: set[str], *, code: bool = True) -> DagCodeAccess:
    return DagCodeAccess(session, readable.__contains__, code)


def test_a_file_is_readable_when_every_dag_it_defines_is(airflow_session: Session, folder: DagFolder) -> None:
    only_a = access(airflow_session, {"a"})
    assert [e.file.name for e in reading.list_files(folder, only_a)] == ["team/a.py"]
    # b.py defines b and b2: one of them is not enough.
    def listed(readable: set[str]) -> list[str]:
        return [e.file.name for e in reading.list_files(folder, access(airflow_session, readable))]

    assert listed({"a", "b"}) == ["team/a.py"]
    assert listed({"a", "b", "b2"}) == ["b.py", "team/a.py"]


def test_a_file_without_a_parsed_dag_needs_access_to_every_dag_stale_ones_too(
    airflow_session: Session, folder: DagFolder
) -> None:
    almost = access(airflow_session, {"a", "b", "b2"})
    assert "helper.py" not in [e.file.name for e in reading.list_files(folder, almost)]
    everything = access(airflow_session, {"a", "b", "b2", "gone"})
    assert "helper.py" in [e.file.name for e in reading.list_files(folder, everything)]
    # Without Airflow's DAG Code permission nothing is readable, whatever the per-DAG grants.
    assert reading.list_files(folder, access(airflow_session, {"a", "b", "b2", "gone"}, code=False)) == []


def test_a_hidden_file_answers_exactly_like_a_missing_one(
    airflow_session: Session, folder: DagFolder
) -> None:
    only_a = access(airflow_session, {"a"})
    head = folder.repo.resolve_commit("HEAD")
    assert head is not None
    cases = [
        (lambda name: reading.read(folder, only_a, name), "there is no DAG file {!r}"),
        (lambda name: reading.history(folder, only_a, name), "there is no DAG file {!r} and none in"),
        (lambda name: reading.content_at(folder, only_a, name, head), "{!r} did not exist at commit "),
        (lambda name: reading.diff(folder, only_a, name, head, "working"), "there is no DAG file {!r} and"),
    ]
    for call, message in cases:
        for name in ("b.py", "never.py"):
            with pytest.raises(DagFileNotFound) as info:
                call(name)
            assert str(info.value).startswith(message.format(name))
    info_a, content, state = reading.read(folder, only_a, "team/a.py")
    assert content == "# dag a\n" and state.dag_ids == ["a"]
    assert [r.action for r in reading.history(folder, only_a, "team/a.py")] == ["upload"]


def test_writes_to_a_file_the_user_may_not_read_are_refused_as_missing(
    airflow_session: Session, folder: DagFolder
) -> None:
    only_a = access(airflow_session, {"a"})
    revision = folder.current_revision("b.py")
    with pytest.raises(DagFileNotFound, match="there is no DAG file 'b.py'"):
        service.delete(folder, "b.py", revision, "dev", access=only_a)
    with pytest.raises(DagFileNotFound, match="there is no DAG file 'b.py'"):
        service.save(folder, "b.py", "# mine now\n", revision, "dev", access=only_a)
    assert folder.read("b.py")[1] == "# dags b and b2\n"


def test_the_export_holds_only_readable_files(airflow_session: Session, folder: DagFolder) -> None:
    out = io.BytesIO()
    assert reading.export_tar_gz(folder, access(airflow_session, {"a"}), out) == ["team/a.py"]
    with tarfile.open(fileobj=io.BytesIO(out.getvalue())) as archive:
        assert sorted(archive.getnames()) == ["team", "team/a.py"]
