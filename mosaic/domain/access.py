"""Who may use a membership, and when."""

from __future__ import annotations

from datetime import datetime

from mosaic.domain.calendar import local_date
from mosaic.domain.errors import InviteePeriodOver, UnknownActivationCode
from mosaic.domain.membership import DigitalMembership, MembershipMode, MembershipStatus


def ensure_code_opens(document: DigitalMembership, code: str) -> None:
    """A code opens a membership only if the membership itself still has it: the code index
    may lag behind a change of code in the SoR, the document is what the refresh built.
    A membership gone from the SoR opens with no code."""
    if (
        document.membership.activation_code != code
        or document.membership.status is MembershipStatus.REMOVED
    ):
        raise UnknownActivationCode("no membership of this program has that activation code")


def ensure_invitee_period_open(document: DigitalMembership, now: datetime, timezone: str) -> None:
    """An invitee may log in up to and including the last day of the invitee period, that
    day ending at midnight in the program's timezone. A full membership may always log in:
    an expired member still sees and renews it."""
    if document.meta.mode is not MembershipMode.INVITEE:
        return
    if local_date(now, timezone) > document.membership.expires_on:
        raise InviteePeriodOver(
            f"the invitee period is over: its last day was "
            f"{document.membership.expires_on.isoformat()} ({timezone} time)"
        )
