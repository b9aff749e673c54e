"""The local Functions host: an ASGI app for the HTTP functions, whose lifespan runs the
timers and queue pollers, and `serve` to run it under uvicorn (what `func start` does)."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import azure.functions as func
import uvicorn

from mosaic.localhost.app import LocalHost
from mosaic.localhost.discovery import registered_functions
from mosaic.localhost.hostconfig import load_host_config
from mosaic.localhost.processes import (
    HttpOnly,
    exit_with_parent,
    http_processes,
    inherited_socket,
    listening_socket,
)
from mosaic.localhost.timers import validate_schedule
from mosaic.logs import quiet_azure_sdk
from mosaic.ports.documents import DocumentStore
from mosaic.ports.queue import MessageQueue

logger = logging.getLogger("mosaic.host")

HostJson = Path | Mapping[str, Any] | None


def build_asgi_app(
    app: func.FunctionApp,
    *,
    queue: MessageQueue | None,
    host_json: HostJson,
    documents: DocumentStore | None = None,
    timers: bool = True,
    queues: bool = True,
) -> LocalHost:
    """Serve the app's HTTP functions under the route prefix; while the ASGI lifespan runs,
    fire its timers (timers=True; `documents` keeps their schedule monitor) and poll its
    queues (queues=True, needs `queue`)."""
    config = load_host_config(host_json)
    specs = registered_functions(app)
    for spec in specs:
        if spec.kind == "timer" and spec.schedule is not None:
            validate_schedule(spec.schedule)
    return LocalHost(
        specs,
        config,
        queue=queue if queues else None,
        documents=documents,
        timers=timers,
        queues=queues,
    )


def serve(
    app: func.FunctionApp,
    *,
    host: str = "127.0.0.1",
    port: int = 7071,
    queue: MessageQueue | None,
    host_json: HostJson,
    documents: DocumentStore | None = None,
    timers: bool = True,
    queues: bool = True,
    on_ready: Callable[[], None] | None = None,
    processes: int = 1,
    process_command: Sequence[str] = (),
    http_only: HttpOnly | None = None,
) -> None:
    """Run the host under uvicorn on host:port until interrupted (Ctrl+C, SIGTERM);
    on_ready is called once it listens.

    With `processes` > 1, this process binds the socket and starts `processes - 1` more,
    each running `process_command` plus HttpOnly's arguments: a command that calls serve with
    that `http_only`, which serves HTTP only (no timers, no queue pollers) on the inherited
    socket and exits when this process is gone (mosaic/localhost/processes.py)."""
    _show_host_log()
    if http_only is not None:
        timers = queues = False
    asgi = build_asgi_app(
        app, queue=queue, host_json=host_json, documents=documents, timers=timers, queues=queues
    )
    if http_only is not None:
        exit_with_parent(http_only)
        build_server(asgi, on_ready=on_ready).run(sockets=[inherited_socket(http_only)])
        return
    if processes <= 1:
        build_server(asgi, host=host, port=port, on_ready=on_ready).run()
        return
    if not process_command:
        raise ValueError("several host processes need the command that starts one more")
    with listening_socket(host, port) as sock, http_processes(process_command, sock, processes - 1):
        build_server(asgi, on_ready=on_ready).run(sockets=[sock])


@contextmanager
def serving_in_thread(asgi: LocalHost, *, start_seconds: float = 10.0) -> Iterator[str]:
    """Serve `asgi` on a free 127.0.0.1 port in a background thread (tests, benchmarks);
    yields its base URL and stops it on exit."""
    ready = threading.Event()
    server = build_server(asgi, host="127.0.0.1", port=0, on_ready=ready.set)
    # IPPROTO_TCP spelled out: asyncio sets TCP_NODELAY on accepted connections only when the
    # listening socket's proto is IPPROTO_TCP, and socket.socket() leaves it 0. Without it,
    # uvicorn's separate header and body writes wait out the peer's delayed ACK: ~44 ms each.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="local-host"
        )
        thread.start()
        try:
            if not ready.wait(start_seconds):
                raise RuntimeError(f"the local host did not start within {start_seconds:.0f} s")
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(start_seconds)


def _show_host_log() -> None:
    """Without any logging configured, the host's summaries and errors would be invisible."""
    if not logging.getLogger().handlers and logger.level == logging.NOTSET:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        quiet_azure_sdk()


def build_server(
    asgi: LocalHost,
    *,
    host: str = "127.0.0.1",
    port: int = 7071,
    on_ready: Callable[[], None] | None = None,
) -> uvicorn.Server:
    """A uvicorn server for the host's ASGI app; `run(sockets=...)` serves pre-bound sockets,
    setting `should_exit` stops it.

    uvicorn's fast parts when installed (httptools, uvloop: requirements-local.txt), logging
    at warning level only (no access log): the host logs invocations on "mosaic.host".
    """
    # The host is the front end: it must not take a client's X-Forwarded-For as its peer.
    config = uvicorn.Config(
        asgi,
        host=host,
        port=port,
        interface="asgi3",
        http="auto",
        loop="auto",
        log_level="warning",
        access_log=False,
        lifespan="on",
        proxy_headers=False,
    )
    return _Server(config, on_ready)


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None] | None) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and self._on_ready is not None:
            self._on_ready()
