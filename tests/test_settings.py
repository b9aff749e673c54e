"""Settings read as the Functions host reads its own: the storage connection by Entra ID."""

from __future__ import annotations

import pytest

from mosaic.settings import Settings


def test_the_queue_service_url_comes_from_the_hosts_identity_based_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AzureWebJobsStorage__accountName", "mosaicprod")

    assert Settings().storage_queue_url() == "https://mosaicprod.queue.core.windows.net"

    monkeypatch.setenv("AzureWebJobsStorage__queueServiceUri", "https://q.example.net")
    assert Settings().storage_queue_url() == "https://q.example.net"


def test_without_an_identity_based_connection_there_is_no_queue_service_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AzureWebJobsStorage__accountName", raising=False)
    monkeypatch.delenv("AzureWebJobsStorage__queueServiceUri", raising=False)

    assert Settings().storage_queue_url() is None
