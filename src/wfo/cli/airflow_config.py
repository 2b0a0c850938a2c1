"""Writes the one Airflow configuration of a wfo instance: `$WFO_HOME/airflow.cfg` (mode 0600).

Secrets (Fernet key, JWT secret, API secret) are generated on the first start and kept on every
later one: losing the Fernet key would make every stored keytab and password unreadable.
Everything else is re-derived from the settings each time, so `--port` moves every port that must.
"""

from __future__ import annotations

import base64
import configparser
import json
import os
import secrets
import sys
from pathlib import Path

from wfo.clusters.signing import ensure_signing_key, installed_public_key
from wfo.settings import Settings

FAB_AUTH_MANAGER = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
_SECRET_KEYS = (("core", "fernet_key"), ("api", "secret_key"), ("api_auth", "jwt_secret"))

# SQLite connect args (`[database] sql_alchemy_connect_args` is an import path). Python's default 5 s
# busy timeout lets a loaded 2-core machine crash the scheduler with "database is locked" during a
# 50-task fan-out (seen on stock `airflow standalone`, see docs/benchmarks.md); writers wait instead.
SQLITE_CONNECT_ARGS: dict[str, object] = {"timeout": 30}


def _new_fernet_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def _new_secret(section: str, key: str) -> str:
    if (section, key) == ("core", "fernet_key"):
        return _new_fernet_key()
    return secrets.token_urlsafe(48)


def read_existing_secrets(cfg_path: Path) -> dict[tuple[str, str], str]:
    parser = configparser.RawConfigParser(strict=False)
    if cfg_path.is_file():
        parser.read(cfg_path)
    found: dict[tuple[str, str], str] = {}
    for section, key in _SECRET_KEYS:
        if parser.has_option(section, key) and parser.get(section, key).strip():
            found[(section, key)] = parser.get(section, key).strip()
    return found


EXAMPLES_BUNDLE = "wfo-examples"


def bundle_config(settings: Settings) -> list[dict[str, object]]:
    """The DAG bundles: the instance's DAGs folder, and wfo's example DAGs (read-only, in the package)."""
    from wfo.examples.seed import DAGS_DIR

    local = "airflow.dag_processing.bundles.local.LocalDagBundle"
    return [
        {
            "name": "dags-folder",
            "classpath": local,
            "kwargs": {"path": str(settings.dags_folder), "refresh_interval": 30},
        },
        # The examples change only with wfo itself: no periodic refresh needed.
        {
            "name": EXAMPLES_BUNDLE,
            "classpath": local,
            "kwargs": {"path": str(DAGS_DIR), "refresh_interval": 3600},
        },
    ]


# The LocalExecutor that wakes the scheduler when a task ends (wfo.executor).
WFO_LOCAL_EXECUTOR = "wfo.executor.WfoLocalExecutor"


def airflow_executor(name: str) -> str:
    """`[core] executor` for wfo's executor setting: its LocalExecutor for "LocalExecutor", else as given."""
    return WFO_LOCAL_EXECUTOR if name == "LocalExecutor" else name


def render_config(
    settings: Settings, kept_secrets: dict[tuple[str, str], str], signing_public_key: str = ""
) -> configparser.RawConfigParser:
    """All Airflow settings wfo needs. Values tuned from DESIGN §8 measurements (see docs/benchmarks.md).

    `signing_public_key` is the public half of the instance's signing key (wfo.clusters.signing).
    """
    home = settings.home
    cfg = configparser.RawConfigParser()
    cfg.optionxform = str  # type: ignore[assignment,method-assign]
    values: dict[str, dict[str, str]] = {
        "core": {
            "dags_folder": str(settings.dags_folder),
            "plugins_folder": str(home / "plugins"),
            "executor": airflow_executor(settings.executor),
            "parallelism": str(settings.parallelism),
            "auth_manager": FAB_AUTH_MANAGER,
            "load_examples": "False",
            # Local task processes call the api-server directly, not through a TLS proxy.
            "execution_api_server_url": f"{settings.internal_url}/execution/",
            "default_timezone": "utc",
            # The name stored with each task is how the api-server reaches its log server (bound to
            # WFO_HOST, see wfo.cli.log_server).
            "hostname_callable": "wfo.cli.log_server.task_hostname",
            # Our plugin is loaded through its entry point; menus must be known to the UI at start.
            "lazy_load_plugins": "False",
            # Published config groups carry keytabs in their connection extra: mask them like passwords
            # in Airflow's connection pages, API responses and task logs.
            "sensitive_var_conn_names": "keytab",
        },
        "database": {
            "sql_alchemy_conn": settings.sql_alchemy_conn,
            "external_db_managers": "",
        },
        "api": {
            "base_url": settings.base_url,
            "port": str(settings.port),
            "host": settings.host,
            "workers": "1",
            "expose_config": "False",
        },
        "api_auth": {},
        "logging": {
            "base_log_folder": str(settings.logs_dir),
            "dag_processor_child_process_log_directory": str(settings.logs_dir / "dag_processor"),
            "worker_log_server_port": str(settings.worker_log_server_port),
            "trigger_log_server_port": str(settings.trigger_log_server_port),
            # Task logs are read by the api-server and log server, which run as the same user.
            "file_task_handler_new_folder_permissions": "0o700",
            "file_task_handler_new_file_permissions": "0o600",
        },
        "scheduler": {
            # wfo's LocalExecutor waits in its heartbeat for a task's end or a wake-up from the
            # api-server (wfo.executor, wfo.wakeup), so the loop's own idle sleep is only a short pause.
            # Other executors poll: 0.2 s (stock 1 s) trades idle CPU for hand-over latency (DESIGN §8).
            "scheduler_idle_sleep_time": "0.05" if settings.executor == "LocalExecutor" else "0.2",
            # `wfo up` starts a dead scheduler again within seconds; the new one takes over the tasks the
            # dead one queued (a Celery task whose worker died too is then failed for its missing
            # heartbeat and retried) at its first orphan check: every minute instead of every 5.
            "orphaned_tasks_check_interval": "60",
        },
        "dag_processor": {
            "dag_bundle_config_list": json.dumps(bundle_config(settings)),
            "refresh_interval": "30",
            "parsing_processes": "1",
            # A file is parsed again when its modification time changes (checked about every second,
            # `file_parsing_sort_mode = modified_time`) and at once when saved through wfo (priority
            # parse). The periodic re-parse of unchanged files only refreshes DAGs built from outside
            # state (a Variable, a database): every 10 minutes instead of every 30 s (most of the
            # dag-processor's idle CPU, see docs/benchmarks.md).
            "min_file_process_interval": "600",
        },
        "fab": {
            "config_file": str(home / "webserver_config.py"),
            # `update_fab_perms` stays on: the api-server's FAB app registers the permissions of its own
            # views (users, roles ...) when it starts; without them Admin gets 403 on FAB's user API.
            # FAB's own limiter counts every login POST per client address (5 per 40 s): behind one proxy
            # or NAT a team's morning logins lock each other out. wfo's login guard throttles failures per
            # user and per address, and audits them (wfo.plugin.guards.logins).
            "auth_rate_limited": "False",
        },
        "wfo": {
            "port": str(settings.port),
            "host": settings.host,
            "executor": settings.executor,
            "parallelism": str(settings.parallelism),
            "object_store_url": settings.store_url,
            "object_store_conn_id": settings.object_store_conn_id,
            "admin_user": settings.admin_user,
            "trusted_proxies": ",".join(settings.trusted_proxies),
            "public_url": settings.public_url,
            "max_request_bytes": str(settings.max_request_bytes),
            "max_json_bytes": str(settings.max_json_bytes),
            "login_failures_per_user": str(settings.login_failures_per_user),
            "login_failures_per_ip": str(settings.login_failures_per_ip),
            "login_window_seconds": str(settings.login_window_seconds),
            "validator_timeout": str(settings.validator_timeout),
            "validator_memory_mb": str(settings.validator_memory_mb),
            "jupyter": "on" if settings.jupyter else "off",
            "jupyter_idle_timeout": str(settings.jupyter_idle_timeout),
            "spark_connect": settings.spark_connect,
            "spark_connect_memory": settings.spark_connect_memory,
            "workers": str(settings.workers),
            "worker_concurrency": str(settings.worker_concurrency),
            "worker_queues": ",".join(settings.worker_queues),
            "schedulers": str(settings.schedulers),
            "restarts": str(settings.restarts),
            # Not a secret: tasks check published config groups with it; Op cannot edit this file.
            "signing_public_key": signing_public_key,
        },
    }
    if settings.sql_alchemy_conn.startswith("sqlite"):
        values["database"]["sql_alchemy_connect_args"] = f"{__name__}.SQLITE_CONNECT_ARGS"
    if settings.celery:
        # May hold the broker's password: kept in this 0600 file, never in a child's environment.
        values["celery"] = {
            "broker_url": settings.broker_url,
            "result_backend": settings.celery_result_backend,
            "worker_concurrency": str(settings.worker_concurrency),
            # A task a worker took stays with the broker until it ends: a worker killed mid-task does
            # not lose it (Celery's late acknowledgement; at-least-once, docs/production.md).
            "task_acks_late": "True",
        }
        values["wfo"]["broker_url"] = settings.broker_url
        values["wfo"]["result_backend"] = settings.result_backend
    if settings.database_url:
        # Kept in the 0600 config file for the scheduler and api-server; never in a child's environment.
        values["wfo"]["database_url"] = settings.database_url
    for section, key in _SECRET_KEYS:
        values[section][key] = kept_secrets.get((section, key)) or _new_secret(section, key)
    for section, options in values.items():
        cfg.add_section(section)
        for key, value in options.items():
            # configparser interpolation is off (Raw), but Airflow expands `%` itself: escape it.
            cfg.set(section, key, value.replace("%", "%%") if section != "wfo" else value)
    return cfg


# What earlier versions generated: replaced by WEBSERVER_CONFIG when found unchanged.
_FIRST_WEBSERVER_CONFIG = '''"""FAB settings of this wfo instance (authentication type, LDAP, ...).

Generated once by `wfo up`; edit freely, it is not overwritten. See docs/admin-guide.md.
"""

from flask_appbuilder.const import AUTH_DB

AUTH_TYPE = AUTH_DB
# Nobody may register themselves; admins create users (`wfo airflow users create ...`).
AUTH_USER_REGISTRATION = False
'''

WEBSERVER_CONFIG = '''"""FAB settings of this wfo instance (authentication type, LDAP, ...).

Generated once by `wfo up`; edit freely, it is not overwritten. See docs/admin-guide.md and docs/ldap.md.
"""

from flask_appbuilder.const import AUTH_DB

AUTH_TYPE = AUTH_DB
# Nobody may register themselves; admins create users (`wfo airflow users create ...`).
AUTH_USER_REGISTRATION = False

# The LDAP configuration page's settings ($WFO_HOME/ldap.json, wfo.ldapconfig): with LDAP chosen there they
# replace the two above. Remove these two lines to manage FAB's login settings in this file by hand.
from wfo.ldapconfig.fab import fab_settings as _wfo_fab_settings  # noqa: E402

globals().update(_wfo_fab_settings())
'''


def write_config(settings: Settings) -> Path:
    """Write airflow.cfg (0600) and, once, webserver_config.py. Returns the airflow.cfg path."""
    home = settings.home
    for folder in (home, settings.dags_folder, settings.logs_dir, settings.run_dir, home / "plugins"):
        folder.mkdir(parents=True, exist_ok=True)
    os.chmod(home, 0o700)
    # Created with the other secrets, before the init step publishes (and signs) the config groups.
    public_key = ensure_signing_key(home)
    cfg = render_config(settings, read_existing_secrets(settings.airflow_cfg), public_key)
    tmp = settings.airflow_cfg.with_suffix(".cfg.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("# Generated by `wfo up`; re-written on every start (secrets are kept).\n")
        cfg.write(handle)
    os.replace(tmp, settings.airflow_cfg)
    webserver_config = home / "webserver_config.py"
    if (
        not webserver_config.exists()
        or webserver_config.read_text(encoding="utf-8") == _FIRST_WEBSERVER_CONFIG
    ):
        webserver_config.write_text(WEBSERVER_CONFIG, encoding="utf-8")
    return settings.airflow_cfg


def pyspark_home() -> str | None:
    """SPARK_HOME of the installed pyspark (its bin/spark-submit), found without importing pyspark."""
    import importlib.util

    spec = importlib.util.find_spec("pyspark")
    if spec is None or not spec.submodule_search_locations:
        return None
    return str(Path(next(iter(spec.submodule_search_locations))))


# Starlette deprecates its test client's use of httpx; svcs (imported by Airflow's execution API) imports
# fastapi.testclient, so every Airflow command (`wfo airflow roles list`, the components' logs) printed the
# warning. Ignored for that message, category and module only (`-W action:message:category:module`).
QUIET_WARNINGS = (
    "ignore:Using `httpx` with `starlette.testclient` is deprecated:UserWarning:fastapi.testclient",
)


def _with_warning_filters(current: str) -> str:
    filters = [f for f in current.split(",") if f]
    return ",".join(filters + [f for f in QUIET_WARNINGS if f not in filters])


SECRET_ENV = (
    "WFO_DATABASE_URL", "WFO_ADMIN_PASSWORD", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
    # The broker's and result backend's passwords: components read them from the 0600 airflow.cfg.
    "WFO_BROKER_URL", "WFO_RESULT_BACKEND", "AIRFLOW__CELERY__BROKER_URL", "AIRFLOW__CELERY__RESULT_BACKEND",
)  # fmt: skip


def child_environment(settings: Settings, base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for every process wfo starts: Airflow home, PATH with our venv, Spark."""
    env = dict(os.environ if base is None else base)
    for name in SECRET_ENV:
        # Task processes inherit this environment: the DB URL lives only in the 0600 airflow.cfg.
        env.pop(name, None)
    env["AIRFLOW_HOME"] = str(settings.home)
    env["AIRFLOW_CONFIG"] = str(settings.airflow_cfg)
    env["WFO_HOME"] = str(settings.home)
    venv_bin = str(Path(sys.executable).parent)
    path = env.get("PATH", "")
    if venv_bin not in path.split(os.pathsep):
        env["PATH"] = venv_bin + (os.pathsep + path if path else "")
    spark_home = pyspark_home()
    if spark_home and "SPARK_HOME" not in (base or {}):
        env["SPARK_HOME"] = spark_home
    env.setdefault("PYSPARK_PYTHON", sys.executable)
    env["PYTHONWARNINGS"] = _with_warning_filters(env.get("PYTHONWARNINGS", ""))
    # From the key itself, so a stale value exported in the caller's shell never reaches the tasks.
    public_key = installed_public_key(settings.home)
    if public_key:
        env["WFO_SIGNING_PUBLIC_KEY"] = public_key
    else:
        env.pop("WFO_SIGNING_PUBLIC_KEY", None)
    return env


def worker_exports(settings: Settings) -> dict[str, str]:
    """What a worker on another host must export to join this instance (no DB URL: tasks never get it)."""
    kept = read_existing_secrets(settings.airflow_cfg)
    exports = {
        "AIRFLOW__CORE__EXECUTOR": airflow_executor(settings.executor),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{settings.base_url}/execution/",
        "AIRFLOW__API__BASE_URL": settings.base_url,
        "AIRFLOW__CORE__AUTH_MANAGER": FAB_AUTH_MANAGER,
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(settings.worker_log_server_port),
        "WFO_OBJECT_STORE_URL": settings.store_url,
        "WFO_OBJECT_STORE_CONN_ID": settings.object_store_conn_id,
    }
    # Tasks refuse config groups they cannot verify; the public key is not a secret.
    exports["WFO_SIGNING_PUBLIC_KEY"] = installed_public_key(settings.home) or ""
    if ("api", "secret_key") in kept:
        # The worker's log server checks the api-server's signed log requests with this key.
        exports["AIRFLOW__API__SECRET_KEY"] = kept[("api", "secret_key")]
    if settings.celery:
        exports["AIRFLOW__CELERY__BROKER_URL"] = settings.broker_url
        exports["AIRFLOW__CELERY__RESULT_BACKEND"] = settings.celery_result_backend
        exports["AIRFLOW__CELERY__WORKER_CONCURRENCY"] = str(settings.worker_concurrency)
        exports["AIRFLOW__CELERY__TASK_ACKS_LATE"] = "True"
    return exports
