"""The local Functions host: runs a `func.FunctionApp` as `func start` would, without Core Tools.

HTTP functions are served over ASGI under uvicorn, timers fire on their NCRONTAB
schedules (with a schedule monitor in the document store) and queue functions are
fed from the MessageQueue port with host.json's queue semantics.
"""

from __future__ import annotations

from mosaic.localhost.app import LocalHost
from mosaic.localhost.discovery import ALL_METHODS, FunctionSpec, TriggerKind, registered_functions
from mosaic.localhost.hostconfig import HostConfig, load_host_config
from mosaic.localhost.queues import process_batch
from mosaic.localhost.server import build_asgi_app, build_server, serve, serving_in_thread
from mosaic.ports.queue import poison_queue_name

__all__ = [
    "ALL_METHODS",
    "FunctionSpec",
    "HostConfig",
    "LocalHost",
    "TriggerKind",
    "build_asgi_app",
    "build_server",
    "load_host_config",
    "poison_queue_name",
    "process_batch",
    "registered_functions",
    "serve",
    "serving_in_thread",
]
