"""Reading the DAGs folder as one user: Airflow's per-DAG access decides which files they see.

The rule: a file is readable when the user may read the code of every DAG it defines (Airflow's own
check for its Code view, `is_authorized_dag(GET, DagAccessEntity.CODE, DagDetails(id))`); a file that
defines no parsed DAG (new, broken, a helper module, a deleted file's history) could hold any DAG's
code, so it needs access to all DAGs Airflow knows. The DAGs a file defines come from Airflow's
metadata (`DagModel` rows of the `dags-folder` bundle by relative file location), as its parse state
does (`wfo.dagfiles.listing`). A file the user may not read answers exactly like a missing one (same
404 and message), so its existence does not leak.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from wfo.dagfiles.errors import DagFileNotFound
from wfo.dagfiles.listing import BUNDLE, ParseState, parse_states
from wfo.dagfiles.store import DagFile, DagFolder, Revision, check_name


class DagCodeAccess:
    """What one user may read, asked of Airflow's auth manager once per DAG id (per request)."""

    def __init__(
        self,
        session: Session,
        may_read_dag: Callable[[str], bool],
        may_read_code: bool,
        bundle: str = BUNDLE,
    ) -> None:
        self.session = session
        self._may_read_dag = may_read_dag
        self.may_read_code = may_read_code
        self.bundle = bundle
        self._decided: dict[str, bool] = {}
        self._all: bool | None = None

    @classmethod
    def of_user(cls, session: Session, user: Any) -> DagCodeAccess:
        """The access of an authenticated Airflow user, through the configured auth manager."""
        from airflow.api_fastapi.app import get_auth_manager
        from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity, DagDetails

        manager: Any = get_auth_manager()

        def may_read_dag(dag_id: str) -> bool:
            return bool(
                manager.is_authorized_dag(
                    method="GET", access_entity=DagAccessEntity.CODE, details=DagDetails(id=dag_id), user=user
                )
            )

        # Without details: may the user read DAG code at all (Airflow's "DAG Code" permission)?
        code = manager.is_authorized_dag(method="GET", access_entity=DagAccessEntity.CODE, user=user)
        return cls(session, may_read_dag, bool(code))

    def in_bundle(self, bundle: str) -> DagCodeAccess:
        """The same user's access to the files of another bundle (wfo's examples); decisions are shared."""
        other = DagCodeAccess(self.session, self._may_read_dag, self.may_read_code, bundle)
        other._decided, other._all = self._decided, self._all
        return other

    def may_read_dag(self, dag_id: str) -> bool:
        if dag_id not in self._decided:
            self._decided[dag_id] = self.may_read_code and self._may_read_dag(dag_id)
        return self._decided[dag_id]

    def may_read_all(self) -> bool:
        """May the user read the code of every DAG Airflow knows (stale ones included)?"""
        if self._all is None:
            from airflow.models.dag import DagModel

            every = self.session.scalars(select(DagModel.dag_id)).all()
            self._all = self.may_read_code and all(self.may_read_dag(dag_id) for dag_id in every)
        return self._all

    def may_read_file(self, dag_ids: Sequence[str]) -> bool:
        """The rule of this module for a file that defines `dag_ids` (empty: no parsed DAG)."""
        if not dag_ids:
            return self.may_read_all()
        return all(self.may_read_dag(dag_id) for dag_id in dag_ids)

    def defined_dags(self, names: Iterable[str]) -> dict[str, list[str]]:
        """The DAG ids each file (relative name) defines according to Airflow's last parse."""
        from airflow.models.dag import DagModel

        wanted = set(names)
        found: dict[str, list[str]] = {name: [] for name in wanted | {""}}
        if wanted:
            rows = self.session.execute(
                select(DagModel.dag_id, DagModel.relative_fileloc).where(
                    DagModel.bundle_name == self.bundle,
                    DagModel.is_stale.is_(False),
                    DagModel.relative_fileloc.in_(wanted),
                )
            ).all()
            for dag_id, relative in rows:
                found[relative or ""].append(dag_id)
        return found

    def may_read(self, name: str) -> bool:
        return self.may_read_file(self.defined_dags([name])[name])


@dataclass(frozen=True)
class ListedFile:
    file: DagFile
    state: ParseState


def list_files(folder: DagFolder, access: DagCodeAccess) -> list[ListedFile]:
    """The folder's files the user may read, with their parse state (the others are left out)."""
    files = folder.files()
    states = parse_states(access.session, [(f.name, f.modified) for f in files], access.bundle)
    return [ListedFile(f, states[f.name]) for f in files if access.may_read_file(states[f.name].dag_ids)]


def read(folder: DagFolder, access: DagCodeAccess, name: str) -> tuple[DagFile, str, ParseState]:
    """A file's metadata, text and parse state; `DagFileNotFound` when missing or not readable."""
    info, content = folder.read(name)
    state = parse_states(access.session, [(info.name, info.modified)], access.bundle)[info.name]
    if not access.may_read_file(state.dag_ids):
        raise DagFileNotFound.no_file(info.name)
    return info, content, state


def history(folder: DagFolder, access: DagCodeAccess, name: str) -> list[Revision]:
    revisions = folder.history(name)
    if not access.may_read(check_name(name)):
        raise DagFileNotFound.nowhere(check_name(name))
    return revisions


def content_at(folder: DagFolder, access: DagCodeAccess, name: str, commit: str) -> tuple[str, str]:
    full, content = folder.content_at(name, commit)
    if not access.may_read(check_name(name)):
        raise DagFileNotFound.not_at(check_name(name), commit)
    return full, content


def diff(
    folder: DagFolder, access: DagCodeAccess, name: str, from_commit: str, to: str
) -> tuple[str, str, str]:
    result = folder.diff(name, from_commit, to)
    if not access.may_read(check_name(name)):
        raise DagFileNotFound.nowhere(check_name(name))
    return result


def require_readable(folder: DagFolder, access: DagCodeAccess, name: str) -> None:
    """Before changing an existing file: one the user may not read is reported missing."""
    name = check_name(name)
    if folder.current_revision(name) is not None and not access.may_read(name):
        raise DagFileNotFound.no_file(name)


def export_tar_gz(folder: DagFolder, access: DagCodeAccess, out: BinaryIO) -> list[str]:
    """`DagFolder.export_tar_gz` of the files the user may read."""
    readable = {entry.file.name for entry in list_files(folder, access)}
    return folder.export_tar_gz(out, include=readable.__contains__)
