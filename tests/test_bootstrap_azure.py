"""MOSAIC_BACKEND=azure: the adapters come from settings alone, and a missing one is named."""

from __future__ import annotations

import pytest

from mosaic.adapters.azure.cosmos_documents import CosmosDocumentStore
from mosaic.adapters.azure.search import AzureSearchIndex
from mosaic.adapters.azure.storage_queue import StorageQueue
from mosaic.adapters.azure.webhook_notifier import WebhookNotifier
from mosaic.bootstrap import ConfigurationError, build_backends
from mosaic.ports.documents import Container
from mosaic.settings import Settings
from tests.azure_backend import azure_settings
from tests.servers import Servers


def _settings(servers: Servers, tmp_path, **changes: str | None) -> Settings:
    values: dict[str, str | None] = {
        **azure_settings(servers),
        "MOSAIC_SOR_URL": f"sqlite:///{tmp_path / 'sor.sqlite'}",
        "MOSAIC_TOKEN_SECRET": "a-token-secret-long-enough-for-hs256-signing",
        **changes,
    }
    environment = {k: v for k, v in values.items() if v is not None}
    return Settings.model_validate(
        {Settings.model_fields[f].alias or f: v for f, v in _fields(environment).items()}
    )


def _fields(environment: dict[str, str]) -> dict[str, str]:
    """Environment names to Settings fields (prefix MOSAIC_, or the field's alias)."""
    by_alias = {field.alias: name for name, field in Settings.model_fields.items() if field.alias}
    fields: dict[str, str] = {}
    for name, value in environment.items():
        field = by_alias.get(name) or name.removeprefix("MOSAIC_").lower()
        fields[field] = value
    return fields


def test_the_azure_backend_is_built_from_settings_alone(servers, tmp_path):
    backends = build_backends(_settings(servers, tmp_path))
    try:
        assert isinstance(backends.documents, CosmosDocumentStore)
        assert isinstance(backends.queue, StorageQueue)
        assert isinstance(backends.search, AzureSearchIndex)
        assert isinstance(backends.notifier, WebhookNotifier)
        backends.documents.create(Container.SYSTEM, {"id": "hello", "program": "SIAM"})
        assert backends.documents.read(Container.SYSTEM, "SIAM", "hello").body["id"] == "hello"
        backends.queue.send("bootstrap-check", "{}")
        assert backends.queue.count("bootstrap-check") == 1
    finally:
        backends.documents.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("MOSAIC_COSMOS_ENDPOINT", "MOSAIC_COSMOS_ENDPOINT"),
        ("MOSAIC_SEARCH_ENDPOINT", "MOSAIC_SEARCH_ENDPOINT"),
        ("MOSAIC_NOTIFIER_WEBHOOK_URL", "MOSAIC_NOTIFIER_WEBHOOK_URL"),
        ("MOSAIC_NOTIFIER_WEBHOOK_SECRET", "MOSAIC_NOTIFIER_WEBHOOK_SECRET"),
        ("MOSAIC_SOR_URL", "MOSAIC_SOR_URL"),
        ("AzureWebJobsStorage", "AzureWebJobsStorage"),
        ("MOSAIC_TOKEN_SECRET", "MOSAIC_TOKEN_SECRET"),
    ],
)
def test_a_missing_setting_fails_at_start_naming_it(servers, tmp_path, missing, named):
    settings = _settings(servers, tmp_path, **{missing: None})
    with pytest.raises(ConfigurationError, match=named):
        build_backends(settings)


def test_the_frozen_clock_is_never_honoured_against_azure_itself():
    settings = Settings.model_validate(
        {"backend": "azure", "now": "2026-11-21T09:30:00Z", "cosmos_stand_in": False}
    )
    assert settings.frozen_now is None
