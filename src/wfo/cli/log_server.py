"""The log servers of a wfo instance, bound to `WFO_HOST` (Airflow's own bind every interface).

The api-server reads the logs of running (and deferred) tasks from the log server of the host that runs
them: the worker log server and the triggerer's, on two ports `wfo up` derives from `--port`. Airflow's
scheduler and triggerer would each start one on all interfaces (`host=""`, hard-coded); `wfo up` starts
them with `--skip-serve-logs` and runs this component instead: Airflow's own log server app, one process
listening on both ports, on the configured address only.

`task_hostname` is the `[core] hostname_callable` of the instance: the name stored with each task
instance, which the api-server uses to reach the log server, must be an address it listens on.
"""

from __future__ import annotations

import socket

from wfo.settings import WILDCARD_HOSTS, Settings, get_settings


def task_hostname() -> str:
    host = get_settings().host
    if host in WILDCARD_HOSTS:
        from airflow.utils.net import getfqdn

        return str(getfqdn())
    return host


def bind(host: str, port: int) -> socket.socket:
    """A listening socket like uvicorn's own (IPv6 for an address with a colon)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve(settings: Settings) -> None:
    import uvicorn
    from airflow.configuration import conf

    ports = (settings.worker_log_server_port, settings.trigger_log_server_port)
    sockets = [bind(settings.host or "0.0.0.0", port) for port in ports]
    config = uvicorn.Config(
        "airflow.utils.serve_logs.log_server:get_app",
        factory=True,
        log_level=conf.get("logging", "uvicorn_logging_level", fallback="info").lower(),
        # As Airflow's own log server: keep its logging setup, no access log of internal file reads.
        log_config=None,
        access_log=False,
    )
    print(
        f"wfo log server: {settings.host} ports {ports[0]} (workers) and {ports[1]} (triggerer)", flush=True
    )
    uvicorn.Server(config).run(sockets=sockets)


def main() -> None:
    serve(get_settings())


if __name__ == "__main__":
    main()
