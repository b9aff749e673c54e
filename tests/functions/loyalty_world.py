"""The POS world (callers, the member digital) with silver and gold tiers, and the booking
system's requests, for the loyalty HTTP tests."""

from __future__ import annotations

from typing import Any

import httpx

from mosaic.adapters.embedded.notifier import OutboxNotifier
from mosaic.services.backends import Backends
from tests.functions.pos_world import add_callers, refresh_world
from tests.services.loyalty_member import GOLD, SILVER, with_loyalty
from tests.webhook_receiver import shared_receiver

MEMBER = "SIAM-0000001"
BOOKINGS = "/api/control/loyalty/bookings"


def loyalty_world(client: httpx.Client, admin: dict[str, str], tmp_path: Any, ports: Backends):
    add_callers(tmp_path)
    refresh_world(client, admin)
    with_loyalty(ports, tiers=[t.model_dump(mode="json", by_alias=True) for t in (SILVER, GOLD)])


def booking(**fields: Any) -> dict[str, Any]:
    return {
        "program": "SIAM",
        "membershipNumber": MEMBER,
        "bookingId": "B-1",
        "amount": "500.00",
        "currency": "THB",
        "bookedAt": "2026-11-20T10:00:00+07:00",
    } | fields


def post_booking(client: httpx.Client, admin: dict[str, str], **fields: Any) -> httpx.Response:
    return client.post(BOOKINGS, json=booking(**fields), headers=admin)


def cancel(
    client: httpx.Client, admin: dict[str, str], booking_id: str = "B-1", **fields: Any
) -> httpx.Response:
    body = {"program": "SIAM", "membershipNumber": MEMBER} | fields
    return client.post(f"{BOOKINGS}/{booking_id}/cancel", json=body, headers=admin)


def emails_with_key(ports: Backends, key: str) -> list[Any]:
    """The e-mails the notifier took with that idempotency key: the outbox's, or on the Azure
    backend what the webhook receiver delivered (it delivers a key once; it is shared by the
    session's tests, so use a booking id of the test's own)."""
    if isinstance(ports.notifier, OutboxNotifier):
        return [n for _, n in ports.notifier.sent("SIAM") if n.idempotency_key == key]
    delivered = shared_receiver().delivered.values()
    return [body for body in delivered if body["idempotencyKey"] == key]
