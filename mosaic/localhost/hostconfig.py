"""The host.json settings the local host honours, with the Functions host's defaults.

Read: `extensions.http.routePrefix`, `extensions.queues` (batchSize,
maxDequeueCount, visibilityTimeout, maxPollingInterval) and `functionTimeout`.
Keys are matched case-insensitively, as the Functions host does.
maxPollingInterval defaults to 2 s here (Azure: 1 min) so a local queue message
is picked up quickly.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_TIMESPAN = re.compile(
    r"^(?:(?P<days>\d+)\.)?(?P<h>\d{1,2}):(?P<m>\d{1,2}):(?P<s>\d{1,2}(?:\.\d+)?)$"
)


@dataclass(frozen=True)
class HostConfig:
    route_prefix: str = "api"
    batch_size: int = 16
    max_dequeue_count: int = 5
    visibility_timeout: float = 0.0
    """Seconds a failed message stays hidden before its next attempt."""
    max_polling_interval: float = 2.0
    """Longest wait between two polls of an empty queue, in seconds."""
    function_timeout: float | None = 300.0
    """Seconds an invocation may run before it counts as failed (Consumption plan's 5 min
    default); None when host.json says -1, unbounded."""


def parse_timespan(value: str | float) -> float:
    """Seconds in a .NET timespan ("hh:mm:ss", "d.hh:mm:ss", "hh:mm:ss.fff") or a number."""
    if isinstance(value, bool):
        raise ValueError(f"not a timespan: {value!r}")
    if isinstance(value, int | float):
        return float(value)
    match = _TIMESPAN.match(value.strip())
    if match is None:
        raise ValueError(f"not a timespan (expected hh:mm:ss): {value!r}")
    days = int(match["days"] or 0)
    return days * 86400 + int(match["h"]) * 3600 + int(match["m"]) * 60 + float(match["s"])


def load_host_config(source: Path | Mapping[str, Any] | None) -> HostConfig:
    """HostConfig from a host.json path or its parsed content; None gives the defaults."""
    if source is None:
        return HostConfig()
    data = json.loads(source.read_text(encoding="utf-8")) if isinstance(source, Path) else source
    extensions = _section(data, "extensions")
    http = _section(extensions, "http")
    queues = _section(extensions, "queues")
    defaults = HostConfig()
    config = HostConfig(
        route_prefix=str(_get(http, "routePrefix", defaults.route_prefix)).strip("/"),
        batch_size=int(_get(queues, "batchSize", defaults.batch_size)),
        max_dequeue_count=int(_get(queues, "maxDequeueCount", defaults.max_dequeue_count)),
        visibility_timeout=parse_timespan(
            _get(queues, "visibilityTimeout", defaults.visibility_timeout)
        ),
        max_polling_interval=parse_timespan(
            _get(queues, "maxPollingInterval", defaults.max_polling_interval)
        ),
        function_timeout=_function_timeout(_get(data, "functionTimeout", None)),
    )
    _validate(config)
    return config


def _validate(config: HostConfig) -> None:
    """The Functions host refuses a batchSize outside 1..32 and a maxDequeueCount below 1."""
    if not 1 <= config.batch_size <= 32:
        raise ValueError(f"host.json queues.batchSize must be 1..32, got {config.batch_size}")
    if config.max_dequeue_count < 1:
        raise ValueError(
            f"host.json queues.maxDequeueCount must be >= 1, got {config.max_dequeue_count}"
        )
    if config.visibility_timeout < 0 or config.max_polling_interval <= 0:
        raise ValueError("host.json queue timespans must be positive")
    if config.function_timeout is not None and config.function_timeout <= 0:
        raise ValueError("host.json functionTimeout must be positive, or -1 for no limit")


def _function_timeout(value: str | float | None) -> float | None:
    if value is None:
        return HostConfig.function_timeout
    if str(value).strip() == "-1":
        return None
    return parse_timespan(value)


def _section(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = _get(data, key, {})
    if not isinstance(value, Mapping):
        raise ValueError(f"host.json: {key!r} must be an object")
    return value


def _get(data: Mapping[str, Any], key: str, default: Any) -> Any:
    lowered = key.lower()
    for name, value in data.items():
        if name.lower() == lowered:
            return value
    return default


def app_setting_count(name: str, value: str | None, maximum: int, default: int) -> int:
    """A count the app settings give (`value`, else the environment variable `name`): 1 to
    `maximum`, `default` when neither says. A ValueError names the setting and the value."""
    text = value if value is not None else os.environ.get(name)
    if text is None or not text.strip():
        return default
    try:
        count = int(text)
    except ValueError:
        count = 0
    if not 1 <= count <= maximum:
        raise ValueError(f"{name} must be 1 to {maximum}, not {text!r}")
    return count
