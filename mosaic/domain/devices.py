"""The devices a member's app runs on (a digital-owned section of the membership)."""

from __future__ import annotations

from datetime import datetime

from mosaic.domain.membership import Device, DeviceDetails, DigitalMembership
from mosaic.domain.records import SorDevice

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


def with_sor_devices(devices: list[Device], known_to_sor: list[SorDevice]) -> list[Device]:
    """The membership's devices with the ones the SoR knows (registered by the legacy app)
    added: a device registered here as well keeps what was registered here, which is newer
    than anything the legacy app wrote. The most recently registered DEVICES_KEPT stay."""
    registered = {d.device_id for d in devices}
    from_sor = [
        Device(
            device_id=d.device_id,
            platform=d.platform,
            manufacturer=d.manufacturer,
            model=d.model,
            os_version=d.os_version,
            push_token=d.push_token,
            registered_at=d.registered_at,
        )
        for d in known_to_sor
        if d.device_id not in registered
    ]
    merged = sorted([*devices, *from_sor], key=lambda d: d.registered_at)
    return merged[-DEVICES_KEPT:]
