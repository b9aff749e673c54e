"""The app's settings for MOSAIC_BACKEND=azure on the session's local servers: each test gets
its own Cosmos DB database and search index, and the queues (whose names the app fixes) are
emptied, so tests stay apart on the shared servers."""

from __future__ import annotations

import uuid

from azure.storage.queue import QueueServiceClient

from tests.servers import COSMOS_KEY, Servers, azurite_connection_string, cosmos_endpoint
from tests.webhook_receiver import SECRET as WEBHOOK_SECRET
from tests.webhook_receiver import shared_receiver


def azure_settings(servers: Servers) -> dict[str, str]:
    unique = uuid.uuid4().hex[:12]
    storage = azurite_connection_string(servers.azurite())
    _empty_queues(storage)
    search = servers.search()
    return {
        "MOSAIC_BACKEND": "azure",
        "MOSAIC_COSMOS_ENDPOINT": cosmos_endpoint(servers.cosmos()),
        "MOSAIC_COSMOS_KEY": COSMOS_KEY,
        "MOSAIC_COSMOS_DATABASE": f"test-{unique}",
        "MOSAIC_COSMOS_STAND_IN": "true",
        "AzureWebJobsStorage": storage,
        "MOSAIC_SEARCH_ENDPOINT": search.endpoint,
        "MOSAIC_SEARCH_KEY": search.key,
        "MOSAIC_SEARCH_INDEX": f"memberships-{unique}",
        "MOSAIC_NOTIFIER_WEBHOOK_URL": shared_receiver().url,
        "MOSAIC_NOTIFIER_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "MOSAIC_ADMIN_KEY": f"admin-{unique}",
    }


def _empty_queues(connection_string: str) -> None:
    with QueueServiceClient.from_connection_string(connection_string) as service:
        for queue in service.list_queues():
            service.get_queue_client(queue.name).clear_messages()
