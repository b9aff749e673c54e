"""What the app shows a signed-in member, from the digital membership (and the program's
timezone and settings) only: never the SoR."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from mosaic.domain.calendar import local_date
from mosaic.domain.inviting import (
    OPEN_STATES,
    InvitationState,
    invitation_state,
    last_activation_day,
)
from mosaic.domain.loyalty.standing import Standing
from mosaic.domain.membership import DigitalMembership, Invitee, Pin, Voucher, VoucherStatus
from mosaic.domain.pins import PinStatus, pin_status
from mosaic.domain.wallet import OfferView, offers_on, voucher_status_on
from mosaic.services.backends import Backends
from mosaic.services.loyalty_views import standing_of
from mosaic.services.programs import program_settings, program_timezone


def _today(backends: Backends, member: DigitalMembership) -> tuple[datetime, date]:
    now = backends.clock.now()
    return now, local_date(now, program_timezone(backends, member.program))


def vouchers_of(
    backends: Backends, member: DigitalMembership, kind: Literal["dynamic", "static"]
) -> list[tuple[Voucher, VoucherStatus]]:
    """The member's vouchers of that kind with their status today."""
    _, today = _today(backends, member)
    vouchers: list[Voucher] = [
        *(member.dynamic_vouchers if kind == "dynamic" else member.static_vouchers)
    ]
    return [(v, voucher_status_on(v, today)) for v in vouchers]


def offers_of(backends: Backends, member: DigitalMembership) -> list[OfferView]:
    now, today = _today(backends, member)
    return offers_on(member, now, today)


@dataclass(frozen=True)
class MemberHome:
    member: DigitalMembership
    invitations: list[tuple[Invitee, InvitationState, date]]
    """Each invitation the member made, its state, and the last day its code may first be
    used."""
    invitations_left: int
    activate_by: date | None
    """An invitee not logged in yet: the last day its code may first be used."""
    pins: list[tuple[Pin, PinStatus]]
    standing: Standing
    """The member's loyalty now."""


def member_home(backends: Backends, member: DigitalMembership) -> MemberHome:
    """The app's home page: the membership, and the invitations the member made."""
    now = backends.clock.now()
    timezone = program_timezone(backends, member.program)
    settings = program_settings(backends, member.program)
    states = [
        (
            i,
            invitation_state(i, now, settings, timezone),
            last_activation_day(i.invited_at, settings, timezone),
        )
        for i in member.invitees
    ]
    open_count = sum(s in OPEN_STATES for _, s, _ in states)
    invitation = member.invitation
    activate_by = None
    if invitation is not None and invitation.activated_at is None:
        activate_by = last_activation_day(invitation.invited_at, settings, timezone)
    return MemberHome(
        member=member,
        invitations=states,
        invitations_left=max(0, settings.invitation_limit - open_count),
        activate_by=activate_by,
        pins=[(p, pin_status(p, now, settings.pin_max_attempts)) for p in member.pins],
        standing=standing_of(backends, member),
    )
