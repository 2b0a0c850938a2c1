"""`python -m wfo.serving.component`: the model-server component of `wfo up` (uvicorn, own port).

Each worker process (`WFO_MODEL_SERVER_WORKERS`) polls the object store and loads the models itself:
nothing is shared between workers or replicas but the store.
"""

from __future__ import annotations

import logging
from typing import Any

from wfo.serving.config import serving_config
from wfo.settings import get_settings


def app_factory() -> Any:
    """One worker's app: its registry starts polling now and stops with the process."""
    import atexit
    import os
    import sys

    # `python -m` puts the working folder first on sys.path: a folder there named like a .mar's handler
    # module would shadow it (TorchServe's loader imports handlers by module name).
    sys.path[:] = [entry for entry in sys.path if entry not in ("", os.getcwd())]

    import tempfile
    from pathlib import Path

    from wfo.serving.app import create_app
    from wfo.serving.registry import Registry
    from wfo.storage.objectstore import ObjectStore

    settings = get_settings()
    config = serving_config(settings)
    cache = settings.run_dir / "model-server"
    cache.mkdir(parents=True, exist_ok=True)
    registry = Registry(
        ObjectStore.from_settings(settings),
        Path(tempfile.mkdtemp(prefix="cache-", dir=cache)),
        poll_seconds=config.poll_seconds,
        freeze_gc=config.freeze_gc,
    )
    registry.start()
    atexit.register(registry.stop)
    app = create_app(registry, max_request_bytes=config.max_request_bytes)
    if config.freeze_gc:
        import gc

        gc.freeze()  # the imports and the app: see Registry._load
    return app


def main() -> int:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = serving_config(get_settings())
    server = uvicorn.Config(
        "wfo.serving.component:app_factory",
        factory=True,
        host=config.host,
        port=config.port,
        workers=config.workers,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    # Always through uvicorn's process manager, even for one worker: a worker that dies (a .mar handler's
    # native code crashing it) is started again, and the component `wfo up` watches stays up.
    Multiprocess(server, sockets=[server.bind_socket()]).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
