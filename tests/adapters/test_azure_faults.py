"""The Azure backends where review found them wanting: a deployment whose identity may not
write metadata, a missing admin key, a forged continuation token.

The Cosmos DB tests stand an "Entra ID" proxy in front of the npm Cosmos DB server: as Cosmos
DB does for a principal holding only the built-in Data Contributor role (what
infra/modules/roles.bicep grants, with `disableLocalAuth` and
`disableKeyBasedMetadataWriteAccess` in cosmos.bicep), it refuses every metadata write
(create or replace a database or container) with 403 and passes everything else through.
"""

from __future__ import annotations

import base64
import http.client
import ssl
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from azure.cosmos import CosmosClient, PartitionKey

from mosaic.adapters.azure.cosmos_documents import open_cosmos_store
from mosaic.adapters.azure.cosmos_layout import CosmosLayout
from mosaic.adapters.azure.cosmos_queries import CosmosQuery
from mosaic.bootstrap import ConfigurationError, build_backends
from mosaic.ports.documents import INDEXED_FIELDS, Container, OrderBy
from mosaic.settings import Settings
from tests.azure_backend import azure_settings
from tests.servers import COSMOS_KEY, Servers, cosmos_endpoint

STAND_IN: dict[str, Any] = {"connection_verify": False, "enable_endpoint_discovery": False}


def _template_policy(container: Container) -> dict[str, Any]:
    """The indexing policy infra/modules/cosmos.bicep gives a container: composite indexes
    (field, id) both ways per ordered field (tests/test_infra_settings.py ties those fields
    to INDEXED_FIELDS)."""
    return {
        "indexingMode": "consistent",
        "automatic": True,
        "includedPaths": [{"path": "/*"}],
        "excludedPaths": [{"path": '/"_etag"/?'}],
        "compositeIndexes": [
            [
                {"path": "/" + field.replace(".", "/"), "order": order},
                {"path": "/id", "order": order},
            ]
            for order in ("ascending", "descending")
            for field in INDEXED_FIELDS.get(container, ())
        ],
    }


def _provision_as_the_template_does(client: CosmosClient, name: str) -> None:
    database = client.create_database(name)
    for container in Container:
        database.create_container(
            container.value,
            partition_key=PartitionKey("/program"),
            indexing_policy=_template_policy(container),
            default_ttl=-1,
        )


def _is_metadata_write(method: str, path: str) -> bool:
    """Creating (POST .../dbs, .../colls), replacing or deleting a database or container."""
    parts = [part for part in path.split("?")[0].split("/") if part]
    if method == "POST":
        return parts == ["dbs"] or (len(parts) == 3 and parts[2] == "colls")
    return method in ("PUT", "DELETE") and len(parts) in (2, 4) and parts[-2] in ("dbs", "colls")


class _EntraIdProxy(BaseHTTPRequestHandler):
    target_port = 0

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if _is_metadata_write(self.command, self.path):
            message = (
                b'{"code":"Forbidden","message":"Request blocked by Auth: principal does not '
                b"have required RBAC permissions to perform action "
                b'[Microsoft.DocumentDB/databaseAccounts/sqlDatabases/write]"}'
            )
            self.send_response(403)
            self.send_header("Content-Type", "application/json")
            self.send_header("x-ms-substatus", "5300")
            self.send_header("Content-Length", str(len(message)))
            self.end_headers()
            self.wfile.write(message)
            return
        context = ssl._create_unverified_context()
        upstream = http.client.HTTPSConnection("127.0.0.1", self.target_port, context=context)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        upstream.request(self.command, self.path, body=body, headers=headers)
        answer = upstream.getresponse()
        data = answer.read()
        self.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in ("transfer-encoding", "content-length", "connection"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        upstream.close()

    def do_GET(self) -> None:
        self._forward()

    def do_POST(self) -> None:
        self._forward()

    def do_PUT(self) -> None:
        self._forward()

    def do_DELETE(self) -> None:
        self._forward()

    def do_PATCH(self) -> None:
        self._forward()

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def entra_id_endpoint(servers: Servers) -> Iterator[str]:
    handler = type("Proxy", (_EntraIdProxy,), {"target_port": servers.cosmos().port})
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{proxy.server_address[1]}/"
    finally:
        proxy.shutdown()
        proxy.server_close()


def test_the_store_opens_on_containers_the_template_made_with_data_plane_rights_only(
    servers: Servers, entra_id_endpoint: str
) -> None:
    name = f"test-{uuid.uuid4().hex}"
    with CosmosClient(cosmos_endpoint(servers.cosmos()), COSMOS_KEY, **STAND_IN) as admin:
        _provision_as_the_template_does(admin, name)

    store = open_cosmos_store(
        entra_id_endpoint,
        COSMOS_KEY,
        name,
        CosmosLayout.PROGRAM,
        service_expires_items=False,
        enable_endpoint_discovery=False,
    )
    try:
        store.create(Container.SYSTEM, {"id": "hello", "program": "SIAM"})
        assert store.read(Container.SYSTEM, "SIAM", "hello").body["id"] == "hello"
    finally:
        store.close()


def test_opening_the_store_leaves_the_templates_containers_as_they_are(
    servers: Servers,
) -> None:
    name = f"test-{uuid.uuid4().hex}"
    with CosmosClient(cosmos_endpoint(servers.cosmos()), COSMOS_KEY, **STAND_IN) as client:
        _provision_as_the_template_does(client, name)
        database = client.get_database_client(name)
        before = database.get_container_client(Container.MEMBERSHIPS.value).read()

        open_cosmos_store(cosmos_endpoint(servers.cosmos()), COSMOS_KEY, name, **STAND_IN).close()

        after = database.get_container_client(Container.MEMBERSHIPS.value).read()
        assert (
            after["indexingPolicy"]["compositeIndexes"]
            == (before["indexingPolicy"]["compositeIndexes"])
        )


def test_a_missing_admin_key_fails_at_start_naming_it(
    servers: Servers, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = {
        **azure_settings(servers),
        "MOSAIC_SOR_URL": f"sqlite:///{tmp_path / 'sor.sqlite'}",
        "MOSAIC_TOKEN_SECRET": "a-token-secret-long-enough-for-hs256-signing",
    }
    del environment["MOSAIC_ADMIN_KEY"]
    monkeypatch.delenv("MOSAIC_ADMIN_KEY", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ConfigurationError, match="MOSAIC_ADMIN_KEY"):
        _build_and_close(Settings())


def _build_and_close(settings: Settings) -> None:
    backends = build_backends(settings)
    backends.documents.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize("value", ["NaN", "Infinity"])
def test_a_continuation_token_holding_a_non_finite_number_is_refused(value: str) -> None:
    query = CosmosQuery(Container.REFRESH_LOG, "SIAM", [], OrderBy("started", True), 1.0)
    fingerprint = query._fingerprint  # sha256 of the query's own terms: forgeable
    text = f'["{fingerprint}","primitive",{value},"x"]'
    token = base64.urlsafe_b64encode(text.encode()).decode()

    with pytest.raises(ValueError, match="not a continuation token"):
        list(query.page(token))
