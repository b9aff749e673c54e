"""Calling a user function and logging one line per invocation."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from typing import Any

from starlette.concurrency import run_in_threadpool

from mosaic.localhost.discovery import FunctionSpec

logger = logging.getLogger("mosaic.host")


def is_async(spec: FunctionSpec) -> bool:
    return inspect.iscoroutinefunction(spec.function)


def call_blocking(spec: FunctionSpec, value: object) -> Any:
    """Call the function from a worker thread; an async function gets its own event loop."""
    if is_async(spec):
        return asyncio.run(spec.function(**{spec.arg_name: value}))
    return spec.function(**{spec.arg_name: value})


async def call_async(spec: FunctionSpec, value: object) -> Any:
    """Call the function from the event loop: await it, or run it in a worker thread."""
    if is_async(spec):
        return await spec.function(**{spec.arg_name: value})
    return await run_in_threadpool(spec.function, **{spec.arg_name: value})


def log_invocation(spec: FunctionSpec, status: object, started: float) -> None:
    """`<function> <trigger> <status> <duration>ms`; started is a time.perf_counter() value."""
    elapsed_ms = (time.perf_counter() - started) * 1000
    logger.info("%s %s %s %.1fms", spec.name, spec.kind, status, elapsed_ms)
