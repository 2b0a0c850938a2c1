"""DAG-file validation through a real validator process (started lazily by the client, as the CLI does)."""

from __future__ import annotations

import io
import json
import os
import secrets
import textwrap
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from wfo.dagfiles.schemas import ValidationResult
from wfo.dagfiles.validation import validate_source
from wfo.settings import get_settings

FERNET = "fernet-" + secrets.token_hex(16)
DB_URL = "postgresql://wfo:" + secrets.token_hex(8) + "@db.example/wfo"
JWT = "jwt-" + secrets.token_hex(16)


@pytest.fixture(scope="module", autouse=True)
def validator_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A wfo home whose airflow.cfg and environment hold secrets the validator must not pass on."""
    home = tmp_path_factory.mktemp("validator") / "home"
    home.mkdir()
    (home / "airflow.cfg").write_text(
        f"[core]\nfernet_key = {FERNET}\n[database]\nsql_alchemy_conn = {DB_URL}\n"
        f"[api_auth]\njwt_secret = {JWT}\n[wfo]\ndatabase_url = {DB_URL}\n",
        encoding="utf-8",
    )
    added = {
        "WFO_HOME": str(home),
        "WFO_DATABASE_URL": DB_URL,
        "AIRFLOW__CORE__FERNET_KEY": FERNET,
        "AIRFLOW__API_AUTH__JWT_SECRET": JWT,
        "AIRFLOW_CONFIG": str(home / "airflow.cfg"),
    }
    saved = {name: os.environ.get(name) for name in added}
    os.environ.update(added)
    get_settings.cache_clear()
    try:
        yield home
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_settings.cache_clear()


def dag_file(body: str) -> str:
    return textwrap.dedent(body).lstrip()


VALID = dag_file(
    """
    from airflow.sdk import DAG
    from airflow.providers.standard.operators.empty import EmptyOperator

    with DAG("valid_one", schedule=None):
        EmptyOperator(task_id="a") >> EmptyOperator(task_id="b")

    with DAG("valid_two", schedule=None):
        EmptyOperator(task_id="only")
    """
)


def only_error(result: ValidationResult) -> tuple[str, int | None, str]:
    assert not result.ok, result
    assert len(result.errors) == 1, result.errors
    error = result.errors[0]
    return error.kind, error.line, error.message


def test_valid_file_reports_its_dag_ids() -> None:
    result = validate_source("team/valid.py", VALID)
    assert result.ok, result
    assert result.dag_ids == ["valid_one", "valid_two"]
    assert result.errors == []
    assert result.model_dump()["dag_ids"] == ["valid_one", "valid_two"]


def test_syntax_error_has_line_and_column() -> None:
    source = "from airflow.sdk import DAG\n\nwith DAG('x', schedule=None)\n    pass\n"
    kind, line, message = only_error(validate_source("broken.py", source))
    assert (kind, line) == ("syntax", 3)
    assert result_column(source) is not None
    assert "SyntaxError" in message


def result_column(source: str) -> int | None:
    return validate_source("broken.py", source).errors[0].column


def test_import_error_points_at_the_line_in_the_file() -> None:
    source = dag_file(
        """
        from airflow.sdk import DAG

        import does_not_exist_anywhere

        with DAG("never", schedule=None):
            pass
        """
    )
    kind, line, message = only_error(validate_source("imports.py", source))
    assert (kind, line) == ("import", 3)
    assert "does_not_exist_anywhere" in message


def test_runtime_error_in_a_helper_reports_the_calling_line() -> None:
    source = dag_file(
        """
        from airflow.sdk import DAG

        def build():
            return 1 / 0

        with DAG("zero", schedule=None):
            build()
        """
    )
    kind, line, message = only_error(validate_source("zero.py", source))
    assert kind == "import"
    assert line == 4  # the deepest frame in the candidate file
    assert "ZeroDivisionError" in message
    assert "/dags/" not in message


def test_cycle_is_reported() -> None:
    source = dag_file(
        """
        from airflow.sdk import DAG
        from airflow.providers.standard.operators.empty import EmptyOperator

        with DAG("loop", schedule=None):
            a = EmptyOperator(task_id="a")
            b = EmptyOperator(task_id="b")
            a >> b >> a
        """
    )
    kind, line, message = only_error(validate_source("cycle.py", source))
    assert kind == "cycle"
    assert "Cycle detected" in message
    assert line in (5, 6)


def test_duplicate_task_id_is_reported_at_its_line() -> None:
    source = dag_file(
        """
        from airflow.sdk import DAG
        from airflow.providers.standard.operators.empty import EmptyOperator

        with DAG("dupes", schedule=None):
            EmptyOperator(task_id="same")
            EmptyOperator(task_id="same")
        """
    )
    kind, line, message = only_error(validate_source("dupes.py", source))
    assert (kind, line) == ("duplicate_task", 6)
    assert "same" in message


@pytest.mark.parametrize(
    ("import_line", "name"),
    [
        ("from wfo.operators import NoSuchOperator", "NoSuchOperator"),
        ("from airflow.operators import X", "X"),
    ],
)
def test_unknown_operator_is_reported_at_its_line(import_line: str, name: str) -> None:
    source = f"from airflow.sdk import DAG\n{import_line}\n\nwith DAG('ops', schedule=None):\n    pass\n"
    kind, line, message = only_error(validate_source("ops.py", source))
    assert (kind, line) == ("unknown_operator", 2)
    assert name in message


def test_endless_top_level_code_times_out_and_the_validator_keeps_answering() -> None:
    # SIGALRM ignored: Airflow's own import timeout cannot fire, only the server's kill can.
    source = "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    pass\n"
    kind, _, message = only_error(validate_source("spin.py", source, timeout=2))
    assert kind == "timeout"
    assert "2 s" in message
    plain = validate_source("spin2.py", "while True:\n    pass\n", timeout=2)
    assert [e.kind for e in plain.errors] == ["timeout"]
    assert validate_source("after.py", VALID).ok


def test_memory_bomb_is_a_memory_problem() -> None:
    source = "blocks = []\nwhile True:\n    blocks.append(bytearray(256 * 1024 * 1024))\n"
    kind, line, _ = only_error(validate_source("bomb.py", source))
    assert kind == "memory"
    assert line in (None, 3)
    assert validate_source("after.py", VALID).ok


def test_uploaded_code_cannot_see_secrets(tmp_path: Path) -> None:
    spy = tmp_path / "spy.json"
    source = dag_file(
        f"""
        import json, os
        from airflow.configuration import conf
        seen = {{
            "environ": dict(os.environ),
            "fernet": conf.get("core", "fernet_key", fallback=""),
            "db": conf.get("database", "sql_alchemy_conn", fallback=""),
            "jwt": conf.get("api_auth", "jwt_secret", fallback=""),
            "config_file": open(os.environ["AIRFLOW_CONFIG"]).read(),
        }}
        with open({str(spy)!r}, "w") as out:
            json.dump(seen, out)
        """
    )
    validate_source("spy.py", source)
    seen = spy.read_text()
    assert json.loads(seen)["environ"], "the spy ran"
    for secret in (FERNET, DB_URL, JWT):
        assert secret not in seen
    assert "WFO_DATABASE_URL" not in json.loads(seen)["environ"]


def test_missing_variable_at_parse_time_is_only_a_warning() -> None:
    source = dag_file(
        """
        from airflow.sdk import DAG, Variable
        from airflow.providers.standard.operators.empty import EmptyOperator

        target = Variable.get("wfo_test_not_defined_anywhere")

        with DAG("uses_variable", schedule=None):
            EmptyOperator(task_id="t")
        """
    )
    result = validate_source("variable.py", source)
    assert result.ok, result
    assert result.dag_ids == ["uses_variable"]
    assert [(w.kind, w.line) for w in result.warnings] == [("not_found_at_parse", 4)]
    assert "wfo_test_not_defined_anywhere" in result.warnings[0].message


def test_a_task_sla_is_not_reported_as_removed() -> None:
    """wfo keeps `sla=` working (docs/sla.md): Airflow's "SLA feature is removed" warning would mislead."""
    source = dag_file(
        """
        from datetime import timedelta
        from airflow.sdk import DAG
        from airflow.providers.standard.operators.empty import EmptyOperator

        with DAG("with_sla", schedule=None, default_args={"sla": timedelta(minutes=5)}):
            EmptyOperator(task_id="t", sla=timedelta(minutes=1))
        """
    )
    result = validate_source("with_sla.py", source)
    assert result.ok and result.dag_ids == ["with_sla"], result
    assert not [w for w in result.warnings if "SLA" in w.message], result.warnings


def test_missing_code_artifact_is_a_warning_naming_the_known_ones(tmp_path: Path) -> None:
    from wfo.dagfiles.artifact_refs import missing_artifact_warnings
    from wfo.repositories.code_artifacts import CodeArtifacts
    from wfo.repositories.files import Upload
    from wfo.storage.objectstore import ObjectStore

    source = dag_file(
        """
        from airflow.sdk import DAG
        from wfo.operators import PySparkOperator

        script = "my_" + "script.py"

        with DAG("uses_artifacts", schedule=None) as dag:
            PySparkOperator(task_id="known", app_name="a", code_artifact="Ratings.py")
            PySparkOperator(
                task_id="missing",
                app_name="a",
                code_artifact="my_script.py",
            )
            PySparkOperator(task_id="computed", app_name="a", code_artifact=script)
            PySparkOperator(task_id="templated", app_name="a", code_artifact="{{ var.value.job }}")
        """
    )
    result = validate_source("artifacts.py", source)
    assert result.ok, result
    # Read from the loaded tasks: a computed name counts, a template is decided at run time.
    assert result.code_artifacts == ["Ratings.py", "my_script.py"]

    # No lock folder: this module points Airflow at a database that does not exist (db.example), and an
    # upload with locks would also take its PostgreSQL advisory lock there.
    repository = CodeArtifacts(ObjectStore((tmp_path / "store").as_uri()), lock_dir=None)
    for name in ("Ratings.py", "my_scripts.py", "History.py"):
        repository.upload([Upload(name, io.BytesIO(b"print(1)\n"))], "dev")
    checked = missing_artifact_warnings(result, source, repository)
    assert checked.ok  # a warning: the artifact may be uploaded before the DAG runs
    missing = [w for w in checked.warnings if w.kind == "missing_artifact"]
    assert len(missing) == 1
    assert missing[0].line == 11  # the line that names it
    message = missing[0].message
    assert "'my_script.py' does not exist" in message
    assert "did you mean 'my_scripts.py'?" in message
    assert "known: my_scripts.py, History.py, Ratings.py" in message

    everything_there = missing_artifact_warnings(
        result.model_copy(update={"code_artifacts": ["Ratings.py"]}), source, repository
    )
    assert [w.kind for w in everything_there.warnings] == [w.kind for w in result.warnings]


def test_concurrent_requests_from_several_threads() -> None:
    def one(number: int) -> ValidationResult:
        source = VALID.replace("valid_one", f"parallel_{number}").replace("valid_two", f"parallel_{number}_b")
        return validate_source(f"parallel_{number}.py", source)

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(one, range(6)))
    for number, result in enumerate(results):
        assert result.ok, result
        assert result.dag_ids == [f"parallel_{number}", f"parallel_{number}_b"]


def test_the_file_never_lands_in_the_dags_folder(validator_home: Path) -> None:
    validate_source("visible.py", VALID)
    assert not (validator_home / "dags" / "visible.py").exists()


def test_only_the_owner_can_reach_the_validator_socket() -> None:
    from wfo.dagfiles.validation import socket_path

    validate_source("owner.py", VALID)
    path = socket_path(get_settings())
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert path.stat().st_mode & 0o077 == 0


def test_deprecated_import_that_still_loads_is_a_legacy_warning() -> None:
    source = dag_file(
        """
        from airflow.sdk import DAG
        from airflow.operators.bash import BashOperator

        with DAG("old_import", schedule=None):
            BashOperator(task_id="b", bash_command="true")
        """
    )
    result = validate_source("old_import.py", source)
    assert result.ok, result
    assert result.dag_ids == ["old_import"]
    assert ("legacy", 2) in [(w.kind, w.line) for w in result.warnings]


# --- the legacy upgrade runs in the validator too ------------------------------------------------------

LEGACY = dag_file(
    """
    from airflow import DAG
    from airflow.operators.bash_operator import BashOperator

    with DAG("legacy_one", schedule_interval=None) as dag:
        BashOperator(task_id="hello", bash_command="echo hello")
    """
)
# Tiny inputs that cost libcst gigabytes (measured: 3 KiB of nested calls took 2.2 GiB and 8 s in the
# calling process before the upgrade moved to the validator; 200 KiB of `1+1+...` ran > 2 minutes).
NESTED_CALLS = "from airflow import DAG\nx = " + "f(" * 3000 + ")" * 3000 + "\n"
NESTED_PARENS = "from airflow import DAG\nx = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
LONG_SUM = "from airflow import DAG\nx = " + "+".join(["1"] * 400_000) + "\n"


def rss_mib() -> tuple[float, float]:
    """(current, peak) resident memory of this process, which plays the api-server here."""
    status = Path("/proc/self/status").read_text()
    current = int(status.split("VmRSS:")[1].split()[0]) / 1024
    peak = int(status.split("VmHWM:")[1].split()[0]) / 1024
    return current, peak


def test_upgrade_runs_in_the_validator_and_proposes_only_for_legacy_code() -> None:
    from wfo.dagfiles.validation import upgrade_isolated

    result = upgrade_isolated("team/legacy.py", LEGACY, proposal_only=False)
    assert result is not None and result.changed
    assert "schedule=None" in result.source and "+++ b/team/legacy.py" in result.diff
    assert upgrade_isolated("team/legacy.py", LEGACY, proposal_only=True) == result
    assert upgrade_isolated("valid.py", VALID, proposal_only=True) is None


@pytest.mark.parametrize("source", [NESTED_CALLS, NESTED_PARENS], ids=["nested_calls", "nested_parens"])
def test_code_that_blows_up_the_upgrade_parser_costs_one_child_not_this_process(source: str) -> None:
    from wfo.dagfiles.errors import UpgradeFailed
    from wfo.dagfiles.validation import upgrade_isolated

    upgrade_isolated("warm.py", LEGACY, proposal_only=False)
    _, peak_before = rss_mib()
    with pytest.raises(UpgradeFailed, match="memory limit") as info:
        upgrade_isolated("hostile.py", source, proposal_only=False)
    assert info.value.problem.kind == "memory"
    _, peak_after = rss_mib()
    assert peak_after - peak_before < 50, f"this process grew from {peak_before:.0f} to {peak_after:.0f} MiB"
    assert validate_source("after.py", VALID).ok


def test_an_upgrade_that_runs_too_long_is_stopped_at_the_timeout() -> None:
    from wfo.dagfiles.errors import UpgradeFailed
    from wfo.dagfiles.validation import upgrade_isolated

    stopped = "upgrading the file took longer than 2 s and was stopped"
    with pytest.raises(UpgradeFailed, match=stopped) as info:
        upgrade_isolated("sum.py", LONG_SUM, proposal_only=False, timeout=2)
    assert info.value.problem.kind == "timeout"


def test_proposals_are_cached_by_content_and_failures_too(monkeypatch: pytest.MonkeyPatch) -> None:
    from wfo.dagfiles import proposals
    from wfo.dagfiles.errors import UpgradeFailed

    calls: list[tuple[str, bool]] = []
    real = proposals.upgrade_isolated

    def counting(name: str, content: str, *, proposal_only: bool) -> object:
        calls.append((name, proposal_only))
        return real(name, content, proposal_only=proposal_only)

    monkeypatch.setattr(proposals, "upgrade_isolated", counting)
    proposals.clear_cache()
    assert proposals.is_legacy("a.py", LEGACY) and proposals.is_legacy("a.py", LEGACY)
    assert not proposals.is_legacy("v.py", VALID)  # no legacy marker: no round trip at all
    assert calls == [("a.py", True)]
    edited = LEGACY.replace("echo hello", "echo bye")
    assert proposals.proposal("a.py", edited) is not None
    assert calls == [("a.py", True), ("a.py", True)]
    for _ in range(2):
        with pytest.raises(UpgradeFailed, match="memory limit"):
            proposals.upgrade("hostile.py", NESTED_PARENS)
    # A stopped proposal still marks the file as legacy, and says why no rewrite is offered.
    stopped = proposals.proposal("hostile.py", NESTED_PARENS)
    assert stopped is not None and not stopped.changed
    assert "could not run" in stopped.issues[0].message
    assert calls[2:] == [("hostile.py", False), ("hostile.py", True)]


def test_code_over_the_size_limit_is_refused_before_anything_parses_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from wfo.dagfiles import proposals, service
    from wfo.dagfiles.errors import DagFileTooLarge
    from wfo.dagfiles.store import MAX_FILE_BYTES

    def no_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed although over the limit")

    monkeypatch.setattr(proposals, "upgrade_isolated", no_parse)
    monkeypatch.setattr("wfo.dagfiles.validation.validate_source", no_parse)
    proposals.clear_cache()
    big = "from airflow import DAG\n" + "x = 1\n" * (MAX_FILE_BYTES // 6 + 1)
    for call in (service.check, service.upgrade):
        with pytest.raises(DagFileTooLarge, match=r"more than the limit of 1.0 MiB \(1048576 bytes\)"):
            call("big.py", big)
    # 300 000 four-byte characters: under the limit in characters, over it in bytes.
    with pytest.raises(DagFileTooLarge):
        service.check("emoji.py", "x = '" + "\U0001f600" * 300_000 + "'\n")
    assert not service.is_legacy("big.py", big)


def test_a_module_planted_in_the_validators_working_directory_is_not_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The validator starts in the shared temporary folder, where any local account can write. With `-m`,
    # Python puts the working directory first on sys.path: a planted json.py ran as the validator's user.
    import subprocess
    import time

    from wfo.dagfiles.validation import _reachable, scrubbed_environment, server_argv, socket_path

    shared = tmp_path / "shared-tmp"
    shared.mkdir()
    ran = tmp_path / "ran"
    (shared / "json.py").write_text(f"open({str(ran)!r}, 'w').write('planted code ran')\n", encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("WFO_HOME", str(home))
    get_settings.cache_clear()
    try:
        settings = get_settings()
        server = subprocess.Popen(
            server_argv(settings, parent_pid=os.getpid()),
            env=scrubbed_environment(settings.home),
            cwd=shared,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while not _reachable(socket_path(settings)) and server.poll() is None:
                assert time.monotonic() < deadline, "the validator did not start"
                time.sleep(0.1)
            assert not ran.exists(), "a module planted in the validator's working directory ran"
            assert server.poll() is None, "the validator exited"
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        get_settings.cache_clear()
