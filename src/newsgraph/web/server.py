"""Running the app: ``newsgraph serve`` in the foreground, or a server in a thread for tests.

Why a thread helper: end-to-end tests (a real browser, a load test) need a
real HTTP server on loopback, started and stopped inside the test process;
binding port 0 lets the system pick a free port, so parallel runs never clash.

    >>> from newsgraph.web import create_app
    >>> from newsgraph.web.server import running
    >>> with running(create_app("corpus.db")) as base_url:   # "http://127.0.0.1:54321"
    ...     ...
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def running(app: Any, host: str = "127.0.0.1", port: int = 0, timeout: float = 20.0) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a background thread; yields the base URL, stops on exit."""
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="newsgraph-web", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the web server did not start on {host}:{port}")
        time.sleep(0.02)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{bound}"
    finally:
        server.should_exit = True
        thread.join(timeout)


def serve(app: Any, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve ``app`` in the foreground until interrupted (Ctrl-C)."""
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False, server_header=False)
