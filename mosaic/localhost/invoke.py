"""Calling a user function, bounded by host.json's functionTimeout, and logging invocations.

A sync function runs on the host's worker threads (as many as the Python worker's default,
min(32, CPUs + 4)), an async one on the caller's event loop. A function still running at
functionTimeout counts as failed (FunctionTimedOut); Python cannot stop its thread, which
runs on (the Functions host would restart the worker process).
"""

from __future__ import annotations

import asyncio
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from functools import partial
from typing import Any

from mosaic.localhost.discovery import FunctionSpec
from mosaic.localhost.invocations import InvocationLog

WORKER_THREADS = min(32, (os.cpu_count() or 1) + 4)
invocations = InvocationLog()
"""The host's invocation log: one DEBUG line each, an INFO summary per function when flushed."""

_workers: ThreadPoolExecutor | None = None
_workers_lock = threading.Lock()


class FunctionTimedOut(Exception):
    """The function ran longer than functionTimeout; its thread may still be running."""


def workers() -> ThreadPoolExecutor:
    """The threads sync functions run on, made on first use."""
    global _workers
    with _workers_lock:
        if _workers is None:
            _workers = ThreadPoolExecutor(WORKER_THREADS, thread_name_prefix="function")
        return _workers


def call_blocking(spec: FunctionSpec, value: object, *, timeout: float | None) -> Any:
    """Call the function from a thread that may block (not the event loop's): on a worker
    thread, an async function on an event loop of its own; FunctionTimedOut past `timeout`."""
    future: Future[Any] = workers().submit(_run, spec, value)
    try:
        return future.result(timeout)
    except FutureTimeout:
        raise _timed_out(spec, timeout) from None


async def call_async(spec: FunctionSpec, value: object, *, timeout: float | None) -> Any:
    """Call the function from the event loop: await it, or await it on a worker thread;
    FunctionTimedOut past `timeout` (an async function is cancelled then)."""
    deadline = asyncio.timeout(timeout)
    try:
        async with deadline:
            if spec.is_async:
                return await spec.function(**{spec.arg_name: value})
            call = partial(spec.function, **{spec.arg_name: value})
            return await asyncio.get_running_loop().run_in_executor(workers(), call)
    except TimeoutError:
        if deadline.expired():
            raise _timed_out(spec, timeout) from None
        raise


def _run(spec: FunctionSpec, value: object) -> Any:
    if spec.is_async:
        return asyncio.run(spec.function(**{spec.arg_name: value}))
    return spec.function(**{spec.arg_name: value})


def _timed_out(spec: FunctionSpec, timeout: float | None) -> FunctionTimedOut:
    return FunctionTimedOut(f"{spec.name} ran longer than functionTimeout ({timeout:g} s)")
