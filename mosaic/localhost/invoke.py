"""Calling a user function, bounded by host.json's functionTimeout.

A sync function runs on the host's worker threads (mosaic/localhost/workers.py), an async
one on the caller's event loop (or, from a blocking caller, on an event loop of its own).
A function still running at functionTimeout counts as failed (FunctionTimedOut); Python
cannot stop its thread, which runs on (the Functions host would restart the worker).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from mosaic.localhost.discovery import FunctionSpec
from mosaic.localhost.invocations import InvocationLog
from mosaic.localhost.workers import WorkerPool

workers = WorkerPool()
invocations = InvocationLog()
"""The host's invocation log: one DEBUG line each, an INFO summary per function when flushed."""


class FunctionTimedOut(Exception):
    """The function ran longer than functionTimeout; its thread may still be running."""


def call_blocking(spec: FunctionSpec, value: object, *, timeout: float | None) -> Any:
    """Call the function from a thread that may block (not the event loop's), on a worker
    thread; FunctionTimedOut past `timeout`."""
    if spec.is_async:
        future = workers.submit(_run_coroutine, {"spec": spec, "value": value})
    else:
        future = workers.submit(spec.function, {spec.arg_name: value})
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
            return await workers.run(spec.function, {spec.arg_name: value})
    except TimeoutError:
        if deadline.expired():
            raise _timed_out(spec, timeout) from None
        raise


def _run_coroutine(spec: FunctionSpec, value: object) -> Any:
    return asyncio.run(spec.function(**{spec.arg_name: value}))


def _timed_out(spec: FunctionSpec, timeout: float | None) -> FunctionTimedOut:
    return FunctionTimedOut(f"{spec.name} ran longer than functionTimeout ({timeout:g} s)")
