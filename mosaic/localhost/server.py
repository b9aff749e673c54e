"""The local Functions host: an ASGI app for the HTTP functions, whose lifespan runs the
timers and queue pollers, and `serve` to run it under uvicorn (what `func start` does)."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import azure.functions as func
import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware

from mosaic.localhost.discovery import FunctionSpec, registered_functions
from mosaic.localhost.hostconfig import HostConfig, load_host_config
from mosaic.localhost.http import StripTrailingSlash, http_routes, method_not_allowed, not_found
from mosaic.localhost.invocations import SUMMARY_SECONDS
from mosaic.localhost.invoke import invocations
from mosaic.localhost.queues import poll_queue
from mosaic.localhost.schedule import ScheduleMonitor
from mosaic.localhost.timers import Timer, validate_schedule
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
) -> Starlette:
    """Serve the app's HTTP functions under the route prefix; while the ASGI lifespan runs,
    fire its timers (timers=True; `documents` keeps their schedule monitor) and poll its
    queues (queues=True, needs `queue`)."""
    config = load_host_config(host_json)
    specs = registered_functions(app)
    for spec in specs:
        if spec.kind == "timer" and spec.schedule is not None:
            validate_schedule(spec.schedule)
    monitor = None
    if documents is not None:
        monitor = ScheduleMonitor(
            documents, f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        )
    elif timers and any(spec.kind == "timer" for spec in specs):
        logger.warning("no document store given: timers run without a schedule monitor")
    background = _background_jobs(specs, config, queue, timers=timers, queues=queues)
    timer_list = (
        [Timer(spec, monitor, config.function_timeout) for spec in specs if spec.kind == "timer"]
        if timers
        else []
    )
    asgi = Starlette(
        routes=http_routes(specs, config.route_prefix, config.function_timeout),
        exception_handlers={404: not_found, 405: method_not_allowed},
        middleware=[Middleware(StripTrailingSlash)],
        lifespan=_lifespan(timer_list, background),
    )
    asgi.state.functions = specs
    asgi.state.host_config = config
    return asgi


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
) -> None:
    """Run the host under uvicorn on host:port until interrupted (Ctrl+C, SIGTERM);
    on_ready is called once it listens."""
    _show_host_log()
    asgi = build_asgi_app(
        app, queue=queue, host_json=host_json, documents=documents, timers=timers, queues=queues
    )
    build_server(asgi, host=host, port=port, on_ready=on_ready).run()


@contextmanager
def serving_in_thread(asgi: Starlette, *, start_seconds: float = 10.0) -> Iterator[str]:
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
    """Without any logging configured, the per-invocation lines would be invisible."""
    if not logging.getLogger().handlers and logger.level == logging.NOTSET:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")


def build_server(
    asgi: Starlette,
    *,
    host: str = "127.0.0.1",
    port: int = 7071,
    on_ready: Callable[[], None] | None = None,
) -> uvicorn.Server:
    """A uvicorn server for the host's ASGI app; `run(sockets=...)` serves pre-bound sockets,
    setting `should_exit` stops it.

    uvicorn logs at warning level only (no access log): the host logs one line per
    invocation on the "mosaic.host" logger, which the caller's logging config shows.
    """
    # The host is the front end: it must not take a client's X-Forwarded-For as its peer.
    config = uvicorn.Config(
        asgi,
        host=host,
        port=port,
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


Job = Callable[[], Coroutine[Any, Any, None]]


def _background_jobs(
    specs: list[FunctionSpec],
    config: HostConfig,
    queue: MessageQueue | None,
    *,
    timers: bool,
    queues: bool,
) -> list[Job]:
    jobs: list[Job] = []
    for spec in specs:
        if spec.kind == "queue" and queues:
            if queue is None:
                logger.warning("%s: no queue backend given; its queue is not polled", spec.name)
                continue
            jobs.append(partial(poll_queue, queue, spec, config))
    return jobs


def _lifespan(timers: list[Timer], jobs: list[Job]) -> Callable[[Starlette], Any]:
    """Each timer settles what is owed at start before the app is up; then everything runs."""

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        owed = [await timer.start() for timer in timers]
        runs = [timer.run(missed) for timer, missed in zip(timers, owed, strict=True)]
        tasks = [asyncio.create_task(run) for run in runs]
        tasks += [asyncio.create_task(job()) for job in [*jobs, _summaries]]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            invocations.flush()

    return lifespan


async def _summaries() -> None:
    while True:
        await asyncio.sleep(SUMMARY_SECONDS)
        invocations.flush()
