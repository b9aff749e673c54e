"""The host's ASGI app: HTTP scopes go to the HTTP functions; the lifespan runs the timers,
the queue pollers and the invocation summaries (`running()`, also usable without a server).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator, Coroutine
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from mosaic.localhost.discovery import FunctionSpec
from mosaic.localhost.hostconfig import HostConfig
from mosaic.localhost.http import HttpFunctions, Receive, Scope, Send
from mosaic.localhost.invocations import SUMMARY_SECONDS
from mosaic.localhost.invoke import invocations
from mosaic.localhost.queues import poll_queue
from mosaic.localhost.schedule import ScheduleMonitor
from mosaic.localhost.timers import Timer
from mosaic.ports.documents import DocumentStore
from mosaic.ports.queue import MessageQueue

logger = logging.getLogger("mosaic.host")


class LocalHost:
    def __init__(
        self,
        specs: list[FunctionSpec],
        config: HostConfig,
        *,
        queue: MessageQueue | None,
        documents: DocumentStore | None,
        timers: bool,
        queues: bool,
    ) -> None:
        self.functions, self.config = specs, config
        self.host_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._http = HttpFunctions(specs, config)
        self._timers = [spec for spec in specs if spec.kind == "timer"] if timers else []
        self._queues = [spec for spec in specs if spec.kind == "queue"] if queues else []
        self._queue, self._documents = queue, documents
        if self._queues and queue is None:
            names = ", ".join(spec.name for spec in self._queues)
            logger.warning("no queue backend given; queues not polled for: %s", names)
            self._queues = []
        if self._timers and documents is None:
            logger.warning("no document store given: timers run without a schedule monitor")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        else:
            raise RuntimeError(f"the local host serves HTTP only, not {kind}")

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Timers, queue pollers and invocation summaries run while this context is open.
        Before it opens, each timer has settled what is owed at start (a missed occurrence)."""
        monitor = (
            None if self._documents is None else ScheduleMonitor(self._documents, self.host_id)
        )
        timeout = self.config.function_timeout
        timers = [Timer(spec, monitor, timeout) for spec in self._timers]
        jobs: list[Coroutine[Any, Any, None]] = [timer.run(await timer.start()) for timer in timers]
        if self._queue is not None:
            jobs += [poll_queue(self._queue, spec, self.config) for spec in self._queues]
        jobs.append(_summaries())
        tasks = [asyncio.create_task(job) for job in jobs]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            invocations.flush()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        await receive()  # lifespan.startup
        async with AsyncExitStack() as stack:
            try:
                await stack.enter_async_context(self.running())
            except Exception as error:
                logger.exception("the local host failed to start")
                await send({"type": "lifespan.startup.failed", "message": str(error)})
                return
            await send({"type": "lifespan.startup.complete"})
            await receive()  # lifespan.shutdown
        await send({"type": "lifespan.shutdown.complete"})


async def _summaries() -> None:
    while True:
        await asyncio.sleep(SUMMARY_SECONDS)
        invocations.flush()
