"""When a membership needs refreshing from the SoR (DESIGN section 1, coalescing)."""

from __future__ import annotations

from datetime import datetime, timedelta

from mosaic.domain.membership import DigitalMembership, MembershipMode


def refresh_is_due(document: DigitalMembership, now: datetime, coalesce_seconds: int) -> bool:
    """A full membership read from the SoR within the last `coalesce_seconds` (on the wall
    clock `now`) is fresh enough: a thousand logins of one member make one refresh, not a
    thousand. Invitees live in the document store only: never refreshed from the SoR."""
    if document.meta.mode is not MembershipMode.FULL:
        return False
    read_at = document.meta.sor_read_at
    return read_at is None or now - read_at >= timedelta(seconds=coalesce_seconds)


def request_already_served(
    document: DigitalMembership, requested_at: datetime, now: datetime, coalesce_seconds: int
) -> bool:
    """A refresh request is dropped when the membership was read from the SoR after the
    request was made, or within the last `coalesce_seconds`; an invitee's, always (it lives
    in the document store only). Times are wall-clock instants."""
    if document.meta.mode is not MembershipMode.FULL:
        return True
    read_at = document.meta.sor_read_at
    if read_at is None:
        return False
    return read_at >= requested_at or now - read_at < timedelta(seconds=coalesce_seconds)
