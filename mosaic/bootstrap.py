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
from typing import Any

import sqlalchemy as sa
from azure.core.credentials import AzureKeyCredential, TokenCredential
from pydantic import SecretStr

from mosaic.adapters.azure.cosmos_documents import CosmosDocumentStore, open_cosmos_store
from mosaic.adapters.azure.search import AzureSearchIndex
from mosaic.adapters.azure.storage_queue import StorageQueue
from mosaic.adapters.azure.webhook_notifier import WebhookNotifier
from mosaic.adapters.clock import FixedClock, SystemClock
from mosaic.adapters.embedded.documents import SqliteDocumentStore
from mosaic.adapters.embedded.notifier import OutboxNotifier
from mosaic.adapters.embedded.queue import SqliteQueue
from mosaic.adapters.embedded.search import SqliteSearchIndex
from mosaic.adapters.keyed_hash import HmacKeyedHash
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
    """The adapters the settings choose: every port embedded (SQLite files in the data
    directory), or on Azure (MOSAIC_BACKEND=azure). Raises ConfigurationError naming a
    missing setting."""
    frozen = settings.frozen_now
    clock: Clock = FixedClock(frozen) if frozen else SystemClock()
    ports = _azure_ports(settings) if settings.backend == "azure" else _embedded_ports(settings)
    return Backends(
        **ports,
        sor=SqlSystemOfRecord(sor_engine(settings)),
        clock=clock,
        wall_clock=SystemClock(),
        sessions=JwtSessionTokens(secret(settings, "token_secret")),
        # PINs and session credentials are keyed by the same server secret (own subkeys).
        keyed_hash=HmacKeyedHash(secret(settings, "token_secret")),
        session_minutes=settings.token_ttl_minutes,
        refresh_coalesce_seconds=settings.refresh_coalesce_seconds,
        login_policy=LoginPolicy(
            failures_allowed=settings.login_failures_allowed,
            window_seconds=settings.login_failure_window_seconds,
            program_failures_allowed=settings.login_program_failures_allowed,
        ),
    )


def _embedded_ports(settings: Settings) -> dict[str, Any]:
    data = settings.data_dir
    return {
        "documents": SqliteDocumentStore(data / "documents.sqlite"),
        "queue": SqliteQueue(data / "queues.sqlite"),
        "search": SqliteSearchIndex(data / "search.sqlite"),
        "notifier": OutboxNotifier(data / "outbox.sqlite"),
    }


def _azure_ports(settings: Settings) -> dict[str, Any]:
    """Cosmos DB, Storage queues, AI Search and the notifier webhook. A service without a key
    (or connection string) is reached with Entra ID: DefaultAzureCredential, which is the
    function app's managed identity in Azure. Every setting is checked, and a missing one
    named, before any client is made."""
    if settings.sor_url is None:
        raise ConfigurationError("MOSAIC_SOR_URL must be set for MOSAIC_BACKEND=azure")
    secret(settings, "token_secret")
    secret(settings, "admin_key")  # read by control requests only: missing, it fails now
    search_endpoint = _required(settings, "search_endpoint")
    webhook = _required(settings, "notifier_webhook_url")
    webhook_secret = secret(settings, "notifier_webhook_secret")
    _required(settings, "cosmos_endpoint")
    queue = _storage_queue(settings)
    return {
        "documents": _cosmos(settings),
        "queue": queue,
        "search": AzureSearchIndex(
            search_endpoint, _key_or_identity(settings.search_key), settings.search_index
        ),
        "notifier": WebhookNotifier(webhook, webhook_secret),
    }


def _cosmos(settings: Settings) -> CosmosDocumentStore:
    endpoint = _required(settings, "cosmos_endpoint")
    key = settings.cosmos_key.get_secret_value() if settings.cosmos_key else None
    credential = key or _identity()
    options: dict[str, Any] = {}
    if settings.cosmos_stand_in:  # a self-signed certificate, and one endpoint to talk to
        options = {"connection_verify": False, "enable_endpoint_discovery": False}
    return open_cosmos_store(
        endpoint,
        credential,
        settings.cosmos_database,
        settings.cosmos_layout,
        service_expires_items=not settings.cosmos_stand_in,
        **options,
    )


def _storage_queue(settings: Settings) -> StorageQueue:
    if settings.storage_connection is not None:
        return StorageQueue.from_connection_string(settings.storage_connection.get_secret_value())
    url = settings.storage_queue_url()
    if url is None:
        raise ConfigurationError(
            "AzureWebJobsStorage (a connection string) or AzureWebJobsStorage__queueServiceUri "
            "(Entra ID) must be set for MOSAIC_BACKEND=azure"
        )
    return StorageQueue.from_account_url(url, _identity())


def _required(settings: Settings, name: str) -> str:
    value = getattr(settings, name)
    if not value:
        raise ConfigurationError(f"MOSAIC_{name.upper()} must be set for MOSAIC_BACKEND=azure")
    return str(value)


def _key_or_identity(key: SecretStr | None) -> AzureKeyCredential | TokenCredential:
    return AzureKeyCredential(key.get_secret_value()) if key else _identity()


@cache
def _identity() -> TokenCredential:
    """One Entra ID credential per process (it caches its tokens)."""
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential()


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
