"""PINs (DESIGN section 2): a 6-digit code a member gives a reservation agent, so the agent
may act as the member.

A PIN lives `pinTtlMinutes` (15 by default), is used once, and is burned by its
`pinMaxAttempts`-th wrong try (5 by default). The membership keeps only its keyed hash
(HMAC with a server secret, salted by the membership and the PIN's creation time), never
the digits. A member has one live PIN at most: a new one revokes the ones not used yet, so a
PIN the member read out earlier stops working.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from mosaic.domain.membership import DigitalMembership, Pin

PINS_KEPT = 10
"""The most recent PINs stay on record (used ones show who acted as the member)."""


class PinStatus(StrEnum):
    LIVE = "live"
    USED = "used"
    EXPIRED = "expired"
    BURNED = "burned"
    REVOKED = "revoked"


def pin_status(pin: Pin, now: datetime, max_attempts: int) -> PinStatus:
    if pin.used_at is not None:
        return PinStatus.USED
    if pin.revoked_at is not None:
        return PinStatus.REVOKED
    if pin.failed_attempts >= max_attempts:
        return PinStatus.BURNED
    if now >= pin.expires_at:
        return PinStatus.EXPIRED
    return PinStatus.LIVE


def pin_salt(member: DigitalMembership, created_at: datetime) -> str:
    """What the PIN's hash is keyed with besides the digits: the same digits on another
    membership, or later, hash differently."""
    return f"{member.program}:{member.id}:{created_at.isoformat()}"


def with_new_pin(
    member: DigitalMembership, digest: str, now: datetime, ttl_minutes: int
) -> tuple[DigitalMembership, Pin]:
    """The member with a new live PIN (its hash `digest`), the unused ones revoked."""
    pin = Pin(hash=digest, created_at=now, expires_at=now + timedelta(minutes=ttl_minutes))
    earlier = [
        p.model_copy(update={"revoked_at": now})
        if p.used_at is None and p.revoked_at is None
        else p
        for p in member.pins
    ]
    kept = [*earlier[-(PINS_KEPT - 1) :], pin]
    return member.model_copy(update={"pins": kept}), pin


@dataclass(frozen=True)
class PinCheck:
    """What a try of a PIN did: the member after it, and whether it opened."""

    member: DigitalMembership
    opened: bool
    status: PinStatus


def try_pin(
    member: DigitalMembership,
    matches: bool,
    now: datetime,
    max_attempts: int,
    agent: str,
) -> PinCheck:
    """A try of the live PIN: `matches` says whether the digits hashed to its hash. A right
    try uses it (once); a wrong one counts, and the last allowed wrong try burns it."""
    live = [
        i for i, p in enumerate(member.pins) if pin_status(p, now, max_attempts) is PinStatus.LIVE
    ]
    if not live:
        return PinCheck(member, False, _latest_status(member, now, max_attempts))
    index = live[-1]
    pin = member.pins[index]
    if matches:
        changed = pin.model_copy(update={"used_at": now, "used_by": agent})
    else:
        changed = pin.model_copy(update={"failed_attempts": pin.failed_attempts + 1})
    pins = [*member.pins[:index], changed, *member.pins[index + 1 :]]
    updated = member.model_copy(update={"pins": pins})
    return PinCheck(updated, matches, pin_status(changed, now, max_attempts))


def live_pin(member: DigitalMembership, now: datetime, max_attempts: int) -> Pin | None:
    return next(
        (p for p in reversed(member.pins) if pin_status(p, now, max_attempts) is PinStatus.LIVE),
        None,
    )


def _latest_status(member: DigitalMembership, now: datetime, max_attempts: int) -> PinStatus:
    if not member.pins:
        return PinStatus.EXPIRED
    return pin_status(member.pins[-1], now, max_attempts)
