"""The devices a member's app runs on (a digital-owned section of the membership)."""

from __future__ import annotations

from datetime import datetime

from mosaic.domain.membership import Device, DeviceDetails, DigitalMembership

DEVICES_KEPT = 10
"""A membership keeps its most recently registered devices only, so a client logging in
with ever new device ids cannot grow the document past the store's item limit."""


def register_device(
    membership: DigitalMembership, details: DeviceDetails, now: datetime
) -> DigitalMembership:
    """The membership with the device added, or updated: the same device id again changes
    the fields the app sent and keeps the rest (a push token it did not send, fields this
    code does not know)."""
    known = next((d for d in membership.devices if d.device_id == details.device_id), None)
    sent = details.model_dump(exclude_unset=True)
    if known is None:
        device = Device(registered_at=now, **sent)
    else:
        device = known.model_copy(update={**sent, "registered_at": now})
    others = [d for d in membership.devices if d.device_id != details.device_id]
    kept = sorted(others, key=lambda d: d.registered_at)[-(DEVICES_KEPT - 1) :]
    return membership.model_copy(update={"devices": [*kept, device]})
