"""The Storage Queue adapter's own behaviour on Azurite: what lies on the wire (base64 text, as
the Functions host reads and writes it) and the Entra ID way in. The port's behaviour is the
contract suite's (tests/contract/test_queue.py)."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError
from azure.storage.queue import QueueClient

from mosaic.adapters.azure.storage_queue import StorageQueue
from mosaic.ports.queue import poison_queue_name
from tests.servers import (
    Servers,
    azurite_account_url,
    azurite_certificate,
    azurite_connection_string,
)

STORAGE_SCOPE = "https://storage.azure.com/.default"


@pytest.fixture
def connection_string(servers: Servers) -> str:
    return azurite_connection_string(servers.azurite())


@pytest.fixture
def queue(connection_string: str) -> Iterator[StorageQueue]:
    adapter = StorageQueue.from_connection_string(connection_string)
    yield adapter
    adapter.close()


@pytest.fixture
def queue_name() -> str:
    return f"wire-{uuid.uuid4().hex[:12]}"


def raw_client(connection_string: str, queue_name: str) -> QueueClient:
    """The queue as another program sees it: message text as stored, no encoding."""
    return QueueClient.from_connection_string(connection_string, queue_name)


def test_a_sent_body_is_stored_as_base64_of_its_utf8_as_the_functions_host_reads_it(
    queue: StorageQueue, connection_string: str, queue_name: str
) -> None:
    queue.send(queue_name, '{"program": "SIAM", "name": "Søren"}')

    with raw_client(connection_string, queue_name) as raw:
        (stored,) = raw.peek_messages()

    expected = base64.b64encode('{"program": "SIAM", "name": "Søren"}'.encode()).decode()
    assert stored.content == expected


def test_a_base64_message_written_elsewhere_is_received_as_its_text(
    queue: StorageQueue, connection_string: str, queue_name: str
) -> None:
    with raw_client(connection_string, queue_name) as raw:
        raw.create_queue()
        raw.send_message(base64.b64encode(b'{"order": 7}').decode())

    (message,) = queue.receive(queue_name, max_messages=32, visibility_timeout=30)

    assert json.loads(message.body) == {"order": 7}


def test_a_message_that_is_not_base64_goes_to_the_poison_queue_at_once(
    queue: StorageQueue, connection_string: str, queue_name: str
) -> None:
    """As the Functions host does: retrying a message it cannot decode cannot help."""
    with raw_client(connection_string, queue_name) as raw:
        raw.create_queue()
        raw.send_message("plain text, not base64")
        raw.send_message(base64.b64encode(b"fine").decode())

    received = queue.receive(queue_name, max_messages=32, visibility_timeout=30)

    assert [message.body for message in received] == ["fine"]
    assert [m.body for m in queue.peek(poison_queue_name(queue_name))] == ["plain text, not base64"]
    queue.delete(queue_name, received[0])
    assert queue.count(queue_name) == 0


class IssuedToken:
    """A TokenCredential, as DefaultAzureCredential is: issues an unsigned token with the
    claims Azurite checks, and records the scopes it was asked for."""

    def __init__(self, audience: str = "https://storage.azure.com") -> None:
        self.audience = audience
        self.scopes: list[str] = []

    def get_token(self, *scopes: str, **options: Any) -> AccessToken:
        self.scopes += scopes
        now = int(time.time())
        claims = {
            "aud": self.audience,
            "iss": "https://sts.windows.net/00000000-0000-0000-0000-000000000000/",
            "iat": now - 60,
            "nbf": now - 60,
            "exp": now + 3600,
        }
        header = {"alg": "RS256", "typ": "JWT"}
        token = ".".join(_segment(json.dumps(part).encode()) for part in (header, claims))
        return AccessToken(f"{token}.{_segment(b'not checked')}", now + 3600)


def _segment(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _entra_queue(servers: Servers, credential: IssuedToken) -> StorageQueue:
    server = servers.azurite_entra()
    return StorageQueue.from_account_url(
        azurite_account_url(server),
        credential,
        connection_verify=str(azurite_certificate(server)),
        retry_total=0,
    )


def test_an_entra_id_credential_is_asked_for_a_storage_token_and_opens_the_queue(
    servers: Servers, queue_name: str
) -> None:
    credential = IssuedToken()
    queue = _entra_queue(servers, credential)
    try:
        queue.send(queue_name, "by token")
        (message,) = queue.receive(queue_name, max_messages=1, visibility_timeout=30)
    finally:
        queue.close()

    assert message.body == "by token"
    assert set(credential.scopes) == {STORAGE_SCOPE}


def test_a_token_for_another_audience_is_refused(servers: Servers, queue_name: str) -> None:
    queue = _entra_queue(servers, IssuedToken(audience="https://vault.azure.net"))
    try:
        with pytest.raises(ClientAuthenticationError, match="audience"):
            queue.send(queue_name, "by the wrong token")
    finally:
        queue.close()
