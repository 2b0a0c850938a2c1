"""Typed settings of a wfo instance, read once per process from `WFO_*` variables.

`wfo up` resolves them, writes them into the `[wfo]` section of `$WFO_HOME/airflow.cfg` and passes
`WFO_HOME` to its children, so every Airflow process (api-server, scheduler, workers) sees the same
values. Lookup order: environment variable, then `[wfo]` in the generated airflow.cfg, then default.
Nothing here does I/O at import time. Settings changed at run time through the UI (the dashboard URL)
are kept in the metadata DB instead: `wfo.stored_settings`.
"""

from __future__ import annotations

import configparser
import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_PORT = 8080
DEFAULT_HOME = Path("~/.wfo")
# Addresses that mean "every interface": fine to bind, useless in a URL.
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})
MiB = 1024 * 1024
# Ports derived from --port: the log servers (+1000, +2000), the notebook hub (+3000..+3009), the model
# server (+4000), Spark Connect (+5000) and its Spark UI (+5001).
PORT_SPAN = 5009

SPARK_CONNECT_MODES = ("lazy", "on", "off")
SPARK_MEMORY = re.compile(r"[1-9][0-9]{0,5}[kmgt]", re.ASCII)

CELERY_EXECUTOR = "CeleryExecutor"
# Short names for WFO_EXECUTOR / `wfo up --executor`.
EXECUTOR_ALIASES = {"local": "LocalExecutor", "celery": CELERY_EXECUTOR}
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/0"
QUEUE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", re.ASCII)

# The largest upload a wfo route accepts (the Spark dependency archive import).
DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * MiB
# 0: "auto" never picks the Spark engine (on local Spark it is far slower than polars; docs/eda.md).
DEFAULT_EDA_SPARK_ABOVE_BYTES = 0
# An EDA source file up to this size is parsed once into memory (when a quarter of the memory left is
# more); larger ones are streamed, a pass at a time (docs/eda.md).
DEFAULT_EDA_IN_MEMORY_BYTES = 256 * MiB
# Room for the largest DAG file (2 MiB) after JSON escaping.
DEFAULT_MAX_JSON_BYTES = 4 * MiB


@dataclass(frozen=True)
class Settings:
    home: Path
    port: int = DEFAULT_PORT
    # Address the api-server and the log servers listen on.
    host: str = "localhost"
    # The URL users open, when it is not http://<host>:<port> (e.g. https://wfo.example.com behind a
    # TLS proxy): the CSRF origin, Airflow's [api] base_url, and cookies get `Secure` when it is https.
    public_url: str = ""
    # Empty means the embedded SQLite database under `home`.
    database_url: str = ""
    executor: str = "LocalExecutor"
    parallelism: int = 12
    # fsspec URL of the object store root; empty means `<home>/store`.
    object_store_url: str = ""
    # Airflow connection holding the object store's credentials (s3, gcs, ...); empty: none needed.
    object_store_conn_id: str = ""
    admin_user: str = "admin"
    admin_password: str = ""
    # Proxies whose X-Forwarded-For header is believed (IPs or CIDR networks).
    trusted_proxies: tuple[str, ...] = field(default_factory=tuple)
    # Request bodies: the whole server's limit (checked before reading), and the limit of every body
    # sent to a wfo route that does not take a file upload (JSON, forms).
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    max_json_bytes: int = DEFAULT_MAX_JSON_BYTES
    # Login throttling: failed logins allowed per user name and per source address within the window.
    login_failures_per_user: int = 5
    login_failures_per_ip: int = 20
    login_window_seconds: int = 300
    # Validating an uploaded DAG file: wall-clock limit and extra address space of the sandboxed child.
    validator_timeout: float = 30.0
    validator_memory_mb: int = 1024
    # `ed25519:<base64>`: checks the signature of published config groups in tasks (wfo.clusters.signing).
    signing_public_key: str = ""
    # The notebook hub (wfo.hub): WFO_JUPYTER=off leaves it out of `wfo up`; a user's idle single-user
    # server is stopped after WFO_JUPYTER_IDLE_TIMEOUT seconds (jupyterhub-idle-culler).
    jupyter: bool = True
    jupyter_idle_timeout: int = 3600
    # The Spark Connect server of `wfo up` (wfo.sparkconnect): "lazy" starts its JVM on the first task or
    # kernel that asks for it, "on" at start, "off" never; its driver memory (spark-submit's format).
    spark_connect: str = "lazy"
    spark_connect_memory: str = "1g"
    # EDA runs with engine "auto" (wfo.eda.task): a CSV/TSV/Excel source larger than this many bytes is
    # profiled on Spark (the run's config group), smaller ones by polars; 0: auto never picks Spark.
    eda_spark_above_bytes: int = DEFAULT_EDA_SPARK_ABOVE_BYTES
    # The largest CSV/TSV the polars engine reads whole into memory (0: always stream).
    eda_in_memory_bytes: int = DEFAULT_EDA_IN_MEMORY_BYTES
    # Scale-out (docs/production.md): with the Celery executor `wfo up` also supervises `workers` Celery
    # workers of `worker_concurrency` task slots each, consuming `worker_queues`, on `broker_url`;
    # `result_backend` empty = the broker (Redis) or the metadata DB (RabbitMQ). `schedulers` > 1 runs
    # Airflow's HA schedulers (PostgreSQL). A component that dies is started again up to `restarts`
    # times within 10 minutes (0: the first death stops the platform).
    broker_url: str = DEFAULT_BROKER_URL
    result_backend: str = ""
    workers: int = 2
    worker_concurrency: int = 8
    worker_queues: tuple[str, ...] = ("default",)
    schedulers: int = 1
    restarts: int = 5

    @property
    def celery(self) -> bool:
        return self.executor == CELERY_EXECUTOR

    @property
    def celery_result_backend(self) -> str:
        """Where Celery keeps task results: the setting, else the broker when it is Redis, else the DB."""
        if self.result_backend:
            return self.result_backend
        if self.broker_url.split(":", 1)[0] in ("redis", "rediss"):
            return self.broker_url
        return f"db+{self.sql_alchemy_conn}"

    @property
    def base_url(self) -> str:
        """The URL users open: WFO_PUBLIC_URL, else WFO_HOST's, else (every interface) this machine's."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = machine_address() if self.host in WILDCARD_HOSTS else self.host
        return f"http://{_url_host(host)}:{self.port}"

    @property
    def internal_url(self) -> str:
        """The api-server as processes on this host reach it (no TLS proxy in between)."""
        host = "127.0.0.1" if self.host in WILDCARD_HOSTS else self.host
        return f"http://{_url_host(host)}:{self.port}"

    @property
    def airflow_home(self) -> Path:
        return self.home

    @property
    def airflow_cfg(self) -> Path:
        return self.home / "airflow.cfg"

    @property
    def dags_folder(self) -> Path:
        return self.home / "dags"

    @property
    def run_dir(self) -> Path:
        return self.home / "run"

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @property
    def validator_socket(self) -> Path:
        return self.run_dir / "validator.sock"

    @property
    def sql_alchemy_conn(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'airflow.db'}"

    @property
    def store_url(self) -> str:
        return self.object_store_url or (self.home / "store").as_uri()

    @property
    def worker_log_server_port(self) -> int:
        return self.port + 1000

    @property
    def trigger_log_server_port(self) -> int:
        return self.port + 2000

    @property
    def jupyterhub_port(self) -> int:
        """JupyterHub's public (proxy) port; the hub may use the next few ports for its internal APIs."""
        return self.port + 3000

    @property
    def model_server_port(self) -> int:
        return self.port + 4000

    @property
    def spark_connect_port(self) -> int:
        return self.port + 5000

    @property
    def spark_ui_port(self) -> int:
        """The Spark UI of the Spark Connect server, on loopback; wfo serves it at /wfo/spark-ui/."""
        return self.port + 5001

    @property
    def admin_password_file(self) -> Path:
        return self.home / "admin-password.txt"


@functools.cache
def machine_address() -> str:
    """The address other machines most likely reach this one by: the source address of the default
    route (no packet is sent), else the host name, else localhost."""
    import socket

    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: routing only, nothing is sent
            address = str(probe.getsockname()[0])
        if address and not address.startswith("127."):
            return address
    except OSError:
        pass
    return socket.gethostname() or "localhost"


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _cfg_section(home: Path) -> dict[str, str]:
    cfg_path = home / "airflow.cfg"
    if not cfg_path.is_file():
        return {}
    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read(cfg_path)
    except (OSError, configparser.Error):
        return {}
    return dict(parser.items("wfo")) if parser.has_section("wfo") else {}


def resolve_home(env: os._Environ[str] | dict[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    raw = env.get("WFO_HOME") or str(DEFAULT_HOME)
    return Path(raw).expanduser().resolve()


def load_settings(env: os._Environ[str] | dict[str, str] | None = None) -> Settings:
    """Build settings from `env` (default: the process environment) and the instance's airflow.cfg."""
    env = os.environ if env is None else env
    home = resolve_home(env)
    from_cfg = _cfg_section(home)

    def pick(name: str, default: str) -> str:
        value = env.get(f"WFO_{name.upper()}")
        if value is None or value == "":
            value = from_cfg.get(name, default)
        return value

    try:
        port = int(pick("port", str(DEFAULT_PORT)))
        parallelism = int(pick("parallelism", "12"))
    except ValueError as exc:
        raise SettingsError(f"WFO_PORT and WFO_PARALLELISM must be integers: {exc}") from exc
    try:
        validator_timeout = float(pick("validator_timeout", "30"))
        validator_memory_mb = int(pick("validator_memory_mb", "1024"))
    except ValueError as exc:
        raise SettingsError(
            f"WFO_VALIDATOR_TIMEOUT and WFO_VALIDATOR_MEMORY_MB must be numbers: {exc}"
        ) from exc
    if validator_timeout <= 0 or validator_memory_mb < 64:
        raise SettingsError("WFO_VALIDATOR_TIMEOUT must be > 0 and WFO_VALIDATOR_MEMORY_MB at least 64")
    try:
        limits = {
            name: int(pick(name, str(default)))
            for name, default in (
                ("max_request_bytes", DEFAULT_MAX_REQUEST_BYTES),
                ("max_json_bytes", DEFAULT_MAX_JSON_BYTES),
                ("login_failures_per_user", 5),
                ("login_failures_per_ip", 20),
                ("login_window_seconds", 300),
            )
        }
    except ValueError as exc:
        raise SettingsError(f"WFO_MAX_*_BYTES and WFO_LOGIN_* must be integers: {exc}") from exc
    if min(limits.values()) < 1:
        raise SettingsError("WFO_MAX_*_BYTES and WFO_LOGIN_* must be at least 1")
    public_url = pick("public_url", "")
    parts = urlsplit(public_url)
    if public_url and (parts.scheme not in ("http", "https") or not parts.hostname):
        raise SettingsError(f"WFO_PUBLIC_URL must be an http:// or https:// URL, not {public_url!r}")
    if not 1 <= port <= 65535 - PORT_SPAN:
        raise SettingsError(
            f"port {port} is out of range (1..{65535 - PORT_SPAN}; the ports up to port+{PORT_SPAN} are used"
            " by the log servers, the notebook hub, the model server and Spark Connect)"
        )
    proxies = tuple(p.strip() for p in pick("trusted_proxies", "").split(",") if p.strip())
    jupyter = pick("jupyter", "on").strip().lower()
    if jupyter not in ("on", "off", "true", "false", "1", "0", "yes", "no"):
        raise SettingsError(f"WFO_JUPYTER must be on or off, not {jupyter!r}")
    try:
        jupyter_idle_timeout = int(pick("jupyter_idle_timeout", "3600"))
    except ValueError as exc:
        raise SettingsError(f"WFO_JUPYTER_IDLE_TIMEOUT must be a number of seconds: {exc}") from exc
    if jupyter_idle_timeout < 60:
        raise SettingsError("WFO_JUPYTER_IDLE_TIMEOUT must be at least 60 seconds")
    spark_connect = pick("spark_connect", "lazy").strip().lower()
    if spark_connect not in SPARK_CONNECT_MODES:
        raise SettingsError(
            f"WFO_SPARK_CONNECT must be one of {', '.join(SPARK_CONNECT_MODES)}, not {spark_connect!r}"
        )
    spark_connect_memory = pick("spark_connect_memory", "1g").strip().lower()
    if not SPARK_MEMORY.fullmatch(spark_connect_memory):
        raise SettingsError(
            f"WFO_SPARK_CONNECT_MEMORY must be a size like 1g or 512m, not {spark_connect_memory!r}"
        )

    def byte_count(name: str, default: int, zero: str) -> int:
        try:
            value = int(pick(name, str(default)))
        except ValueError as exc:
            raise SettingsError(f"WFO_{name.upper()} must be a number of bytes: {exc}") from exc
        if value < 0:
            raise SettingsError(f"WFO_{name.upper()} must be 0 ({zero}) or more")
        return value

    eda_spark_above_bytes = byte_count("eda_spark_above_bytes", DEFAULT_EDA_SPARK_ABOVE_BYTES, "never")
    eda_in_memory_bytes = byte_count("eda_in_memory_bytes", DEFAULT_EDA_IN_MEMORY_BYTES, "always stream")
    executor = pick("executor", "LocalExecutor").strip()
    executor = EXECUTOR_ALIASES.get(executor.lower(), executor)
    try:
        scale = {
            name: int(pick(name, str(default)))
            for name, default in (
                ("workers", 2), ("worker_concurrency", 8), ("schedulers", 1), ("restarts", 5)
            )
        }  # fmt: skip
    except ValueError as exc:
        raise SettingsError(
            f"WFO_WORKERS, WFO_WORKER_CONCURRENCY, WFO_SCHEDULERS and WFO_RESTARTS must be integers: {exc}"
        ) from exc
    if not (1 <= scale["workers"] <= 32 and 1 <= scale["worker_concurrency"] <= 256):
        raise SettingsError("WFO_WORKERS must be 1..32 and WFO_WORKER_CONCURRENCY 1..256")
    if not (1 <= scale["schedulers"] <= 8 and 0 <= scale["restarts"] <= 100):
        raise SettingsError("WFO_SCHEDULERS must be 1..8 and WFO_RESTARTS 0..100")
    queues = tuple(q.strip() for q in pick("worker_queues", "default").split(",") if q.strip())
    bad_queues = [q for q in queues if not QUEUE_NAME.fullmatch(q)]
    if not queues or bad_queues:
        raise SettingsError(
            f"WFO_WORKER_QUEUES must be queue names separated by commas (letters, digits, _ . -), not {bad_queues or queues}"
        )
    broker_url = pick("broker_url", DEFAULT_BROKER_URL).strip()
    if broker_url.split(":", 1)[0] not in ("redis", "rediss", "amqp", "amqps", "pyamqp", "sentinel"):
        raise SettingsError("WFO_BROKER_URL must be a redis://, rediss://, sentinel:// or amqp:// URL")
    return Settings(
        home=home,
        port=port,
        host=pick("host", "localhost"),
        public_url=public_url,
        database_url=pick("database_url", ""),
        executor=executor,
        parallelism=parallelism,
        object_store_url=pick("object_store_url", ""),
        object_store_conn_id=pick("object_store_conn_id", ""),
        admin_user=pick("admin_user", "admin"),
        admin_password=env.get("WFO_ADMIN_PASSWORD", ""),
        trusted_proxies=proxies,
        max_request_bytes=limits["max_request_bytes"],
        max_json_bytes=limits["max_json_bytes"],
        login_failures_per_user=limits["login_failures_per_user"],
        login_failures_per_ip=limits["login_failures_per_ip"],
        login_window_seconds=limits["login_window_seconds"],
        validator_timeout=validator_timeout,
        validator_memory_mb=validator_memory_mb,
        signing_public_key=pick("signing_public_key", ""),
        jupyter=jupyter in ("on", "true", "1", "yes"),
        jupyter_idle_timeout=jupyter_idle_timeout,
        spark_connect=spark_connect,
        spark_connect_memory=spark_connect_memory,
        eda_spark_above_bytes=eda_spark_above_bytes,
        eda_in_memory_bytes=eda_in_memory_bytes,
        broker_url=broker_url,
        result_backend=pick("result_backend", "").strip(),
        workers=scale["workers"],
        worker_concurrency=scale["worker_concurrency"],
        worker_queues=queues,
        schedulers=scale["schedulers"],
        restarts=scale["restarts"],
    )


class SettingsError(ValueError):
    """A WFO_* setting has an invalid value."""


@functools.cache
def get_settings() -> Settings:
    """The settings of this process, read once."""
    return load_settings()
