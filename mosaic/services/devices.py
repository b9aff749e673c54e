"""A member's devices (POST /mobile/devices, and a login that names its device)."""

from __future__ import annotations

from mosaic.domain.devices import register_device
from mosaic.domain.membership import DeviceDetails, DigitalMembership
from mosaic.ports.documents import JsonDocument, StoredDocument
from mosaic.services.backends import Backends
from mosaic.services.documents import load, stored_body, update_member
from mosaic.services.refresh import RefreshReason, request_refresh_if_due


def add_device(
    backends: Backends, member: DigitalMembership, details: DeviceDetails
) -> DigitalMembership:
    """Add or update the device on the membership (a digital-owned section): the same
    device id again updates it, never a second entry."""
    now = backends.clock.now()
    saved: list[DigitalMembership] = []

    def decide(current: StoredDocument | None) -> JsonDocument | None:
        if current is None:
            return None
        saved[:] = [register_device(load(DigitalMembership, current), details, now)]
        return stored_body(saved[-1])

    update_member(backends.documents, member, decide)
    return saved[-1] if saved else member


def register_member_device(
    backends: Backends, member: DigitalMembership, details: DeviceDetails
) -> DigitalMembership:
    """The device registered, and a (coalesced) refresh queued: the SoR may know the
    member's devices and campaigns aimed at them."""
    member = add_device(backends, member, details)
    request_refresh_if_due(backends, member, RefreshReason.DEVICE)
    return member
