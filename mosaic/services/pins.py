"""PINs a member generates for a reservation agent (POST /mobile/pins; rules in
domain.pins). The digits are answered once and never stored: the membership keeps their
keyed hash."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from mosaic.domain.codes import CodeKind, new_code
from mosaic.domain.errors import NotAuthenticated
from mosaic.domain.membership import DigitalMembership, Pin
from mosaic.domain.pins import pin_salt, with_new_pin
from mosaic.ports.documents import JsonDocument, StoredDocument
from mosaic.services.backends import Backends
from mosaic.services.documents import load, stored_body, update_member
from mosaic.services.programs import program_settings

PIN_PURPOSE = "pin"


@dataclass(frozen=True)
class PinGiven:
    digits: str
    pin: Pin
    max_attempts: int


def give_pin(backends: Backends, member: DigitalMembership) -> PinGiven:
    """A new PIN for the member; the ones not used yet stop working."""
    now = backends.clock.now()
    settings = program_settings(backends, member.program)
    digits = new_code(CodeKind.PIN, secrets.SystemRandom())
    given: list[Pin] = []

    def decide(current: StoredDocument | None) -> JsonDocument | None:
        if current is None:
            raise NotAuthenticated("the session's membership is gone; log in again")
        stored = load(DigitalMembership, current)
        digest = backends.keyed_hash.digest(PIN_PURPOSE, f"{pin_salt(stored, now)}:{digits}")
        updated, pin = with_new_pin(stored, digest, now, settings.pin_ttl_minutes)
        given[:] = [pin]
        return stored_body(updated)

    update_member(backends.documents, member, decide)
    return PinGiven(digits, given[-1], settings.pin_max_attempts)
