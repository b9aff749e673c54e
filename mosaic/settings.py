"""Every app setting, in one object, read lazily from the environment.

Importing this module reads nothing; `get_settings()` reads once per process.
Names are the app settings of local.settings.example.json (prefix MOSAIC_).
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import AwareDatetime, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    # An empty app setting means "not set", as in local.settings.example.json: never an empty
    # secret, never a parse error for an unset instant.
    model_config = SettingsConfigDict(env_prefix="MOSAIC_", extra="ignore", env_ignore_empty=True)

    backend: Literal["embedded", "azure"] = "embedded"
    data_dir: Path = Path(".mosaic")
    sor_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the system of record; embedded default: sqlite in data_dir",
    )
    sor_probe_timeout_seconds: float = 5.0
    now: AwareDatetime | None = Field(
        default=None, description="Freezes the clock (embedded backend only), ISO-8601 instant"
    )

    token_secret: SecretStr | None = Field(
        default=None, description="Signs member session tokens; embedded default: kept in data_dir"
    )
    token_ttl_minutes: int = Field(default=7 * 24 * 60, gt=0)
    admin_key: SecretStr | None = None
    refresh_coalesce_seconds: int = Field(
        default=60,
        ge=0,
        description="a membership refreshed this recently is not refreshed again on request",
    )
    demo_seed: int = 7

    login_failures_allowed: int = Field(default=5, gt=0)
    login_failure_window_seconds: int = Field(default=15 * 60, gt=0)
    login_program_failures_allowed: int = Field(
        default=200,
        gt=0,
        description="failed logins per window from all clients of one program before its "
        "logins wait; far above members' typing errors, it caps guessing from many addresses",
    )
    trusted_proxy_hops: int = Field(
        default=0, ge=0, description="proxies (e.g. Front Door) in front of the Functions front end"
    )

    cosmos_endpoint: str | None = None
    cosmos_key: SecretStr | None = None
    cosmos_database: str = "mosaic"
    cosmos_layout: Literal["program", "hierarchical"] = Field(
        default="program",
        description="Cosmos DB partition key: /program, or /program then /id for programs "
        "that outgrow one logical partition (20 GB); fixed once the containers exist",
    )
    cosmos_stand_in: bool = Field(
        default=False,
        description="the local Cosmos DB server (npm), for development and tests: its "
        "self-signed certificate, one endpoint, and no TTL of its own; never in Azure",
    )
    storage_connection: SecretStr | None = Field(default=None, alias="AzureWebJobsStorage")
    storage_queue_service_uri: str | None = Field(
        default=None,
        alias="AzureWebJobsStorage__queueServiceUri",
        description="queues through Entra ID (managed identity) when AzureWebJobsStorage, a "
        "connection string, is not set: the setting the Functions host's identity-based "
        "storage connection reads too (https://<account>.queue.core.windows.net/)",
    )
    storage_account_name: str | None = Field(
        default=None,
        alias="AzureWebJobsStorage__accountName",
        description="the account, when its queue service URI is not given (Entra ID)",
    )
    search_endpoint: str | None = None
    search_key: SecretStr | None = None
    search_index: str = "memberships"
    notifier_webhook_url: str | None = None
    notifier_webhook_secret: SecretStr | None = None

    @property
    def frozen_now(self) -> datetime | None:
        """MOSAIC_NOW is honoured by the embedded backend, and by the Azure adapters on the
        local stand-ins (development and tests), never against Azure itself."""
        return self.now if self.backend == "embedded" or self.cosmos_stand_in else None

    def storage_queue_url(self) -> str | None:
        """The queue service URL for an Entra ID credential, as the Functions host finds it:
        `AzureWebJobsStorage__queueServiceUri`, else from `AzureWebJobsStorage__accountName`."""
        if self.storage_queue_service_uri:
            return self.storage_queue_service_uri
        if self.storage_account_name:
            return f"https://{self.storage_account_name}.queue.core.windows.net"
        return None

    def resolved_sor_url(self) -> str:
        return self.sor_url or f"sqlite:///{(self.data_dir / 'sor.sqlite').resolve()}"


@cache
def get_settings() -> Settings:
    return Settings()
