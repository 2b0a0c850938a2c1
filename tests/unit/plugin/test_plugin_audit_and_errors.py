"""One error path and declarative audit: a domain error answers with its own status and is audited as a
failure (or `denied`), a success is audited in the request's transaction, and the OpenAPI documents it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from airflow.api_fastapi.common.db.common import SessionDep, _get_session
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from wfo.audit.service import Actor
from wfo.db.models import AuditEvent, Setting, metadata
from wfo.errors import Forbidden, NotFound
from wfo.plugin import audit as audit_module
from wfo.plugin import errors
from wfo.plugin.audit import AuditRecord, audited
from wfo.plugin.deps import AUTH_MARKER, CurrentUser


@pytest.fixture
def engine() -> Iterator[Any]:
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def _caller(request: Request) -> CurrentUser:
    current = CurrentUser(user=None, username="alice", source_ip="10.0.0.7", via_cookie=False)
    request.state.wfo_caller = current
    return current


setattr(_caller, AUTH_MARKER, ("Test", "can_edit"))
Caller = Annotated[CurrentUser, Depends(_caller)]


def _refusing_caller(request: Request) -> CurrentUser:
    raise HTTPException(403, detail="no")


setattr(_refusing_caller, AUTH_MARKER, ("Test", "can_edit"))


@pytest.fixture
def client(engine: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    app = FastAPI()

    def session() -> Iterator[Session]:
        with Session(engine) as db:
            yield db
            db.commit()

    def separately(actor: Actor, *args: Any) -> None:
        with Session(engine) as db:
            audit_module.record(db, actor, *args)
            db.commit()

    app.dependency_overrides[_get_session] = session
    monkeypatch.setattr(audit_module, "record_separately", separately)

    @app.post("/things/{name}", responses=errors.errors(404))
    def change(
        name: str,
        _: Caller,
        db: SessionDep,
        event: Annotated[AuditRecord, audited("thing.update", object_param="name")],
    ) -> dict[str, str]:
        db.add(Setting(key=f"thing.{name}", value="1", updated_by="alice"))
        db.flush()
        if name == "missing":
            raise NotFound("there is no thing named 'missing'")
        if name == "locked":
            raise Forbidden("changing 'locked' needs the code permission")
        if name == "same":
            event.skip()
        event.details = {"size": 1}
        return {"name": name}

    @app.post("/batch")
    def change_several(_: Caller, event: Annotated[AuditRecord, audited("thing.upload")]) -> None:
        event.details = {"files": ["a", "b"]}
        event.add("a", {"version": 1})
        event.add("b")

    @app.delete("/refused", dependencies=[Depends(_refusing_caller)])
    def refused(event: Annotated[AuditRecord, audited("thing.delete")]) -> None:
        raise AssertionError("never reached")

    errors.install(app)
    yield TestClient(app)


def _events(engine: Any) -> list[tuple[str, str | None, str, Any]]:
    with Session(engine) as db:
        rows = db.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        return [(r.action, r.object_id, r.outcome, r.details) for r in rows]


def _settings(engine: Any) -> list[str]:
    with Session(engine) as db:
        return list(db.scalars(select(Setting.key)))


def test_a_success_is_audited_with_the_change(client: TestClient, engine: Any) -> None:
    assert client.post("/things/a").json() == {"name": "a"}
    assert _events(engine) == [("thing.update", "a", "success", {"size": 1})]
    assert _settings(engine) == ["thing.a"]


def test_a_domain_error_answers_its_status_rolls_back_and_is_audited(client: TestClient, engine: Any) -> None:
    missing = client.post("/things/missing")
    assert (missing.status_code, missing.json()) == (404, {"detail": "there is no thing named 'missing'"})
    locked = client.post("/things/locked")
    assert locked.status_code == 403
    assert _settings(engine) == []
    assert _events(engine) == [
        ("thing.update", "missing", "failure", {"error": "there is no thing named 'missing'"}),
        ("thing.update", "locked", "denied", {"error": "changing 'locked' needs the code permission"}),
    ]


def test_a_request_that_changes_several_objects_records_one_event_each(
    client: TestClient, engine: Any
) -> None:
    assert client.post("/batch").status_code == 200
    assert _events(engine) == [
        ("thing.upload", "a", "success", {"version": 1}),
        ("thing.upload", "b", "success", None),
    ]


def test_skip_records_nothing_and_refused_callers_are_left_to_require(
    client: TestClient, engine: Any
) -> None:
    assert client.post("/things/same").status_code == 200
    assert client.delete("/refused").status_code == 403
    assert _events(engine) == []


def test_openapi_documents_the_error_answers(client: TestClient) -> None:
    operation = client.app.openapi()["paths"]["/things/{name}"]["post"]  # type: ignore[attr-defined]
    assert {"401", "403", "404", "422"} <= set(operation["responses"])
    body = operation["responses"]["404"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ErrorBody"}


def test_actions_must_follow_the_naming_convention() -> None:
    for bad in ("Thing.update", "thing", "things.Update", "thing-update"):
        with pytest.raises(ValueError, match="object.verb"):
            audited(bad)
