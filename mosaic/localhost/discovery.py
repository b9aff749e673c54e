"""The functions an app registers, read once per app object.

`FunctionApp.get_functions()` records the names it has seen in the app's public
`functions_bindings` and raises `ValueError` on a second call, so
`registered_functions` calls it once and caches the result per app. When something
else (the Azure Functions worker, in production) has already called it, it is
called again on a cleared record, which is then put back as it was.
"""

from __future__ import annotations

import inspect
import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

import azure.functions as func
from azure.functions.decorators.core import Trigger
from azure.functions.decorators.function_app import Function
from azure.functions.decorators.http import HttpMethod, HttpTrigger
from azure.functions.decorators.queue import QueueTrigger
from azure.functions.decorators.timer import TimerTrigger

logger = logging.getLogger("mosaic.host")

TriggerKind = Literal["http", "timer", "queue"]
ALL_METHODS: tuple[str, ...] = tuple(method.value for method in HttpMethod)
"""What an HTTP function that declares no methods answers to."""


@dataclass(frozen=True)
class FunctionSpec:
    """One registered function, as the local host (and the OpenAPI builder) needs it."""

    name: str
    kind: TriggerKind
    function: Callable[..., Any]
    arg_name: str
    """The parameter the trigger's value is passed as."""
    route: str | None = None
    methods: tuple[str, ...] = ()
    """Uppercase; ALL_METHODS when the function declares none."""
    auth_level: str | None = None
    """One of "anonymous", "function", "admin"; the local host checks no keys."""
    schedule: str | None = None
    """NCRONTAB, six fields, seconds first (or an hh:mm:ss interval)."""
    run_on_startup: bool = False
    queue_name: str | None = None
    is_async: bool = False
    """A coroutine function: awaited on the event loop, not run on a worker thread."""


_cache: weakref.WeakKeyDictionary[func.FunctionApp, list[FunctionSpec]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


def registered_functions(app: func.FunctionApp) -> list[FunctionSpec]:
    """The app's HTTP, timer and queue functions; the same list on every call."""
    with _lock:
        cached = _cache.get(app)
        if cached is None:
            cached = [spec for fn in _functions(app) if (spec := to_spec(fn)) is not None]
            _cache[app] = cached
        return cached


def _functions(app: func.FunctionApp) -> list[Function]:
    indexed = app.functions_bindings
    if not indexed:
        return app.get_functions()
    # Indexed by someone else: get_functions() would find every name taken and raise.
    app.functions_bindings = None
    try:
        return app.get_functions()
    finally:
        app.functions_bindings = indexed


def to_spec(fn: Function) -> FunctionSpec | None:
    """The spec of one function; None (with a warning) for a trigger the host cannot run."""
    name = fn.get_function_name() or fn.get_user_function().__name__
    trigger = fn.get_trigger()
    _warn_about_extra_bindings(name, fn, trigger)
    user_function = fn.get_user_function()
    if trigger is None:
        logger.warning("%s: no trigger; skipped", name)
        return None
    spec = partial(
        FunctionSpec,
        name=name,
        function=user_function,
        arg_name=trigger.name,
        is_async=inspect.iscoroutinefunction(user_function),
    )
    if isinstance(trigger, HttpTrigger):
        return spec(
            kind="http",
            route=(trigger.route or name).strip("/"),
            methods=_methods(trigger.methods),
            auth_level=_text(trigger.auth_level).lower(),
        )
    if isinstance(trigger, TimerTrigger):
        return spec(
            kind="timer",
            schedule=trigger.schedule,
            run_on_startup=bool(trigger.run_on_startup),
        )
    if isinstance(trigger, QueueTrigger):
        return spec(kind="queue", queue_name=trigger.queue_name)
    logger.warning("%s: trigger %r is not supported by the local host; skipped", name, trigger)
    return None


def _methods(declared: Any) -> tuple[str, ...]:
    if not declared:
        return ALL_METHODS
    return tuple(_text(method).upper() for method in declared)


def _text(value: Any) -> str:
    """An enum member's value, or the string itself."""
    return str(getattr(value, "value", value))


def _warn_about_extra_bindings(name: str, fn: Function, trigger: Trigger | None) -> None:
    """Only the trigger (and an HTTP function's return value) is bound by the local host."""
    for binding in fn.get_bindings():
        if binding is trigger or binding.type == "http":
            continue
        logger.warning(
            "%s: binding %r (%s) is ignored by the local host", name, binding.name, binding.type
        )
