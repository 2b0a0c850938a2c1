"""Importing a configs export: an identical import touches nothing; one refused group refuses them all."""

from __future__ import annotations

import io
import json
import tarfile
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from wfo.clusters import groups, transfer, transfer_import
from wfo.clusters.permissions import Permissions
from wfo.clusters.schemas import ImportReport
from wfo.clusters.stored import get_group

ADMIN = Permissions(can_edit_cluster=True, can_edit_code=True)


def _export(session: Session) -> bytes:
    out = io.BytesIO()
    transfer.export_groups(session, out, include_secrets=False)
    return out.getvalue()


def _tar(members: dict[str, bytes]) -> io.BytesIO:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    out.seek(0)
    return out


def _import(
    session: Session, archive: io.BytesIO | bytes, dry_run: bool = False
) -> ImportReport:
    source = io.BytesIO(archive) if isinstance(archive, bytes) else archive
    return transfer_import.import_groups(
        session, source, dry_run=dry_run, username="importer", permissions=ADMIN, dependencies=[]
    )


def _published(session: Session) -> dict[str, str | None]:
    from airflow.models import Connection

    return {c.conn_id: c._extra for c in session.scalars(select(Connection)).all()}


def _stamps(session: Session) -> dict[str, tuple[datetime | None, str | None]]:
    return {
        name: (get_group(session, name).updated_at, get_group(session, name).updated_by)
        for name in ("default", "etl")
    }


def test_reimporting_an_export_changes_nothing(session: Session) -> None:
    groups.ensure_default_group(session)
    groups.create_group(session, "etl", "owner")
    session.commit()
    stamps, published = _stamps(session), _published(session)

    report = _import(session, _export(session))
    session.commit()

    assert report.unchanged == ["default", "etl"] and report.created == report.updated == []
    assert report.imported is False and report.rejected == report.held_back == []
    # "Last changed" stays, and nothing was published again (a new publish re-encrypts the extra).
    assert _stamps(session) == stamps
    assert _published(session) == published


def test_a_refused_group_refuses_the_whole_import_with_a_report_per_group(session: Session) -> None:
    groups.ensure_default_group(session)
    session.commit()
    manifest = json.dumps({"format": 1, "default": "default"}).encode()
    archive = {
        "configs/manifest.json": manifest,
        "configs/default/group.json": json.dumps({"spark": {"arguments": {"master": "yarn"}}}).encode(),
        "configs/fresh/group.json": b"{}",
        "configs/broken/group.json": json.dumps({"spark": {"arguments": {"colour": "red"}}}).encode(),
    }
    for dry_run in (True, False):
        with pytest.raises(transfer.ImportRefused) as refused:
            _import(session, _tar(archive), dry_run=dry_run)
        report = refused.value.report
        assert report is not None and report.dry_run is dry_run
        assert [r.name for r in report.rejected] == ["broken"] and "colour" in report.rejected[0].reason
        assert report.created == report.updated == [] and report.imported is False
        assert {(h.name, h.would_be) for h in report.held_back} == {
            ("fresh", "created"),
            ("default", "updated"),
        }
        assert str(refused.value).startswith("nothing was imported, 1 group(s) refused: broken: ")
        session.rollback()
        assert [g.name for g in groups.group_list(session).groups] == ["default"]
        assert get_group(session, "default").spark_arguments.get("master") != "yarn"
