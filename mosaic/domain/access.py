"""Who may use a membership, and when."""

from __future__ import annotations

from datetime import date

from mosaic.domain.errors import InviteePeriodOver
from mosaic.domain.membership import DigitalMembership, MembershipMode


def ensure_invitee_period_open(document: DigitalMembership, today: date) -> None:
    """An invitee may log in up to and including the last day of the invitee period.
    A full membership may always log in: an expired member still sees and renews it."""
    if document.meta.mode is MembershipMode.INVITEE and today > document.membership.expires_on:
        raise InviteePeriodOver(
            f"the invitee period ended on {document.membership.expires_on.isoformat()}"
        )
