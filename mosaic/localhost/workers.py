"""The threads sync functions run on: as many as the Python worker's thread pool, which the
app setting PYTHON_THREADPOOL_THREAD_COUNT sets (1 to 32) and is by default min(32, CPUs + 4);
started on first use.

A job goes over a SimpleQueue and its outcome comes back to the event loop with a single
call_soon_threadsafe: lighter than run_in_executor's pair of chained futures, which
showed in the profile of cheap requests (about 15% more of them per second). The threads
are daemons, so one stuck past functionTimeout does not hold up the host's exit.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import suppress
from queue import SimpleQueue
from typing import Any

from mosaic.localhost.hostconfig import app_setting_count

THREAD_COUNT_SETTING = "PYTHON_THREADPOOL_THREAD_COUNT"
MAX_THREADS = 32
WORKER_THREADS = min(MAX_THREADS, (os.cpu_count() or 1) + 4)


def thread_count(value: str | None = None) -> int:
    """The worker threads of a host process: `value` (or PYTHON_THREADPOOL_THREAD_COUNT), 1 to
    32; WORKER_THREADS when neither is given. A ValueError names what is wrong.

    Each thread more lets one more function wait (on I/O) at once, and costs every running
    one a share of the GIL: a CPU-bound route does best with few threads per process and a
    process per core (mosaic/localhost/processes.py)."""
    return app_setting_count(THREAD_COUNT_SETTING, value, MAX_THREADS, WORKER_THREADS)


Settle = Callable[[bool, Any], None]
"""Hands the outcome over: (True, result) or (False, exception)."""
_Job = tuple[Callable[..., Any], dict[str, Any], Settle]


class WorkerPool:
    def __init__(self, size: int | None = None) -> None:
        """`size` threads; None: thread_count() when the first job comes."""
        self._jobs: SimpleQueue[_Job] = SimpleQueue()
        self._size = size
        self._started = False
        self._lock = threading.Lock()

    async def run(self, function: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
        """Run on a worker thread, from the event loop."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()

        def settle(ok: bool, outcome: Any) -> None:
            with suppress(RuntimeError):  # the loop is closed: no one waits (timed out)
                loop.call_soon_threadsafe(_settle_future, future, ok, outcome)

        self._submit((function, kwargs, settle))
        return await future

    def submit(self, function: Callable[..., Any], kwargs: dict[str, Any]) -> Future[Any]:
        """Run on a worker thread, from any thread: a future to wait on."""
        future: Future[Any] = Future()

        def settle(ok: bool, outcome: Any) -> None:
            if ok:
                future.set_result(outcome)
            else:
                future.set_exception(outcome)

        self._submit((function, kwargs, settle))
        return future

    def _submit(self, job: _Job) -> None:
        if not self._started:
            self._start()
        self._jobs.put(job)

    def _start(self) -> None:
        with self._lock:
            if self._started:
                return
            for n in range(self._size or thread_count()):
                name = f"function-{n}"
                threading.Thread(target=self._work, daemon=True, name=name).start()
            self._started = True

    def _work(self) -> None:
        while True:
            function, kwargs, settle = self._jobs.get()
            try:
                result = function(**kwargs)
            except BaseException as error:
                settle(False, error)
            else:
                settle(True, result)


def _settle_future(future: asyncio.Future[Any], ok: bool, outcome: Any) -> None:
    if future.done():  # cancelled: the caller stopped waiting (functionTimeout)
        return
    if ok:
        future.set_result(outcome)
    else:
        future.set_exception(outcome)
