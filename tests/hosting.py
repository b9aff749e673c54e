"""Running the local host for a test: a real uvicorn server on a free loopback port."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from starlette.applications import Starlette

from mosaic.localhost import build_server


@contextmanager
def serving(asgi: Starlette) -> Iterator[str]:
    """Serve `asgi` in a background thread; yields its base URL, stops it on exit."""
    ready = threading.Event()
    server = build_server(asgi, on_ready=ready.set)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        assert ready.wait(5), "the server did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(5)
        sock.close()
