"""Builds the adapters once per process from the settings: the one place clients are made.

Nothing here runs at import: `backends()` builds on first use, so importing function_app
needs no Azure and no settings.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
from functools import cache
from pathlib import Path

import sqlalchemy as sa

from mosaic.adapters.clock import FixedClock, SystemClock
from mosaic.adapters.embedded.documents import SqliteDocumentStore
from mosaic.adapters.embedded.notifier import OutboxNotifier
from mosaic.adapters.embedded.queue import SqliteQueue
from mosaic.adapters.embedded.search import SqliteSearchIndex
from mosaic.adapters.sor.sql import SqlSystemOfRecord
from mosaic.adapters.tokens import JwtSessionTokens
from mosaic.ports.clock import Clock
from mosaic.services.backends import Backends, LoginPolicy
from mosaic.settings import Settings, get_settings


class ConfigurationError(RuntimeError):
    pass


def embedded_secret(data_dir: Path, name: str) -> str:
    """A random secret kept in the data directory, made on first use (embedded backend only).
    Two processes starting at once agree: the file is written under an exclusive lock, only
    ever readable by its owner, and each reads what is there before adding."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "secrets.json"
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "r+", encoding="utf-8") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        text = file.read()
        stored: dict[str, str] = json.loads(text) if text.strip() else {}
        if name not in stored:
            stored[name] = secrets.token_urlsafe(32)
            file.seek(0)
            file.truncate()
            file.write(json.dumps(stored, indent=2))
            file.flush()
            os.fsync(file.fileno())
    return stored[name]


def secret(settings: Settings, name: str) -> str:
    configured = getattr(settings, name)
    if configured is not None:
        return str(configured.get_secret_value())
    if settings.backend != "embedded":
        raise ConfigurationError(f"MOSAIC_{name.upper()} must be set outside the embedded backend")
    return embedded_secret(settings.data_dir, name)


def sor_engine(settings: Settings) -> sa.Engine:
    """The SoR's engine on any SQLAlchemy URL: a server is reached under the probe timeout, and
    a pooled connection is checked before use, so one the server or a firewall dropped while
    idle is replaced rather than reported as an outage."""
    url = sa.make_url(settings.resolved_sor_url())
    timeout = settings.sor_probe_timeout_seconds
    backend = url.get_backend_name()
    if backend == "sqlite":
        if url.database:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        return sa.create_engine(url, connect_args={"timeout": timeout})
    connect_args: dict[str, float] = {}
    if backend == "postgresql":
        connect_args["connect_timeout"] = max(1, int(timeout))  # whole seconds
    if backend == "oracle":
        connect_args["tcp_connect_timeout"] = timeout  # python-oracledb's default: 20 s
    return sa.create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def build_backends(settings: Settings) -> Backends:
    if settings.backend != "embedded":
        raise ConfigurationError(
            "MOSAIC_BACKEND=azure: the Cosmos DB, Storage Queue and AI Search adapters are not "
            "built yet; only the embedded backend runs"
        )
    data = settings.data_dir
    frozen = settings.frozen_now
    clock: Clock = FixedClock(frozen) if frozen else SystemClock()
    return Backends(
        documents=SqliteDocumentStore(data / "documents.sqlite"),
        queue=SqliteQueue(data / "queues.sqlite"),
        search=SqliteSearchIndex(data / "search.sqlite"),
        sor=SqlSystemOfRecord(sor_engine(settings)),
        notifier=OutboxNotifier(data / "outbox.sqlite"),
        clock=clock,
        wall_clock=SystemClock(),
        sessions=JwtSessionTokens(secret(settings, "token_secret")),
        session_minutes=settings.token_ttl_minutes,
        refresh_coalesce_seconds=settings.refresh_coalesce_seconds,
        login_policy=LoginPolicy(
            failures_allowed=settings.login_failures_allowed,
            window_seconds=settings.login_failure_window_seconds,
            program_failures_allowed=settings.login_program_failures_allowed,
        ),
    )


@cache
def backends() -> Backends:
    return build_backends(get_settings())


_admin_key: tuple[Settings, str] | None = None


def admin_key() -> str:
    """The operators' key (X-Admin-Key on control routes): MOSAIC_ADMIN_KEY, or on the
    embedded backend the one kept in the data directory. Read once per settings object, so a
    request does not open the secrets file."""
    global _admin_key
    settings = get_settings()
    if _admin_key is None or _admin_key[0] is not settings:
        _admin_key = settings, secret(settings, "admin_key")
    return _admin_key[1]
