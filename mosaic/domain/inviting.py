"""Inviting a friend (DESIGN section 5, `POST /mobile/invitations`): the invitation's life.

A full, active member invites a friend by name and email or phone. The friend gets an
invitee membership, digital only, opened by a 6-digit invitee code:
- the code must first be used within the program's activation window: up to and including
  the day `invitationActivationDays` after the invitation, in the program's timezone; unused
  by then, the invitation has **lapsed**;
- the first login starts the invitee period: the invitee may use the app up to and including
  the day `inviteePeriodDays` after that first login (so always at least that many full days);
  after it the invitation has **ended**;
- an invitee who buys a full membership has **converted** (domain.invitations).
An invitation is **open** while it is pending (sent, not used yet, not lapsed) or active (in
its invitee period); a member has at most `invitationLimit` open invitations. Inviting the
same contact again while an invitation to it is open answers that invitation, not a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from mosaic.domain.access import ensure_invitee_period_open
from mosaic.domain.calendar import local_date
from mosaic.domain.codes import DISCOUNT_ALPHABET, RandomSource
from mosaic.domain.contacts import normal_email, normal_phone
from mosaic.domain.errors import (
    InvitationLapsed,
    InvitationLimitReached,
    InviteePeriodOver,
    NotAllowedForMembership,
)
from mosaic.domain.membership import (
    Counters,
    DigitalMembership,
    Invitation,
    Invitee,
    MembershipInfo,
    MembershipMode,
    MembershipStatus,
    Meta,
    PackageRef,
)
from mosaic.domain.program import ProgramSettings

INVITEE_PACKAGE = PackageRef(code="invitee", name="Invitee")
"""An invitee has bought nothing: campaigns for a package never concern them."""


class InvitationState(StrEnum):
    PENDING = "pending"
    LAPSED = "lapsed"
    ACTIVE = "active"
    ENDED = "ended"
    CONVERTED = "converted"


OPEN_STATES = frozenset({InvitationState.PENDING, InvitationState.ACTIVE})


@dataclass(frozen=True)
class Contact:
    """Who is invited: a name and an email or a phone (at least one)."""

    name: str
    email: str | None = None
    phone: str | None = None

    @property
    def shown(self) -> str:
        """How the inviter sees the contact: the email, else the phone."""
        return self.email or self.phone or ""


def recorded_contact(invitee: Invitee) -> Contact:
    """The contact as the inviter's record of the invitation keeps it: both fields, or only
    the one shown on a record made before they were kept."""
    if invitee.email is not None or invitee.phone is not None:
        return Contact(invitee.name, email=invitee.email, phone=invitee.phone)
    if "@" in invitee.contact:
        return Contact(invitee.name, email=invitee.contact)
    return Contact(invitee.name, phone=invitee.contact)


def _comparable(contact: Contact) -> set[str]:
    """An email and a phone compare apart: an email's digits are no phone."""
    email, phone = normal_email(contact.email), normal_phone(contact.phone)
    keys = set()
    if email is not None:
        keys.add(f"email:{email}")
    if phone is not None:
        keys.add(f"phone:{phone}")
    return keys


def last_activation_day(invited_at: datetime, settings: ProgramSettings, timezone: str) -> date:
    return local_date(invited_at, timezone) + timedelta(days=settings.invitation_activation_days)


def last_invitee_day(activated_at: datetime, settings: ProgramSettings, timezone: str) -> date:
    return local_date(activated_at, timezone) + timedelta(days=settings.invitee_period_days)


def invitation_state(
    invitee: Invitee, now: datetime, settings: ProgramSettings, timezone: str
) -> InvitationState:
    """What became of an invitation the inviter made, on `now`."""
    today = local_date(now, timezone)
    if invitee.converted_at is not None:
        return InvitationState.CONVERTED
    if invitee.activated_at is not None:
        if today > last_invitee_day(invitee.activated_at, settings, timezone):
            return InvitationState.ENDED
        return InvitationState.ACTIVE
    if today > last_activation_day(invitee.invited_at, settings, timezone):
        return InvitationState.LAPSED
    return InvitationState.PENDING


def ensure_may_invite(inviter: DigitalMembership) -> None:
    """Only an active full membership invites."""
    if inviter.meta.mode is not MembershipMode.FULL:
        raise NotAllowedForMembership("an invitee cannot invite; a full member can")
    if inviter.membership.status is not MembershipStatus.ACTIVE:
        raise NotAllowedForMembership(
            f"a membership that is {inviter.membership.status.value} cannot invite"
        )


def open_invitation_to(
    inviter: DigitalMembership,
    contact: Contact,
    now: datetime,
    settings: ProgramSettings,
    timezone: str,
) -> Invitee | None:
    """The inviter's open invitation to this contact (same email, or same phone digits)."""
    wanted = _comparable(contact)
    for invitee in inviter.invitees:
        if invitation_state(invitee, now, settings, timezone) not in OPEN_STATES:
            continue
        if _comparable(recorded_contact(invitee)) & wanted:
            return invitee
    return None


def ensure_below_limit(
    inviter: DigitalMembership, now: datetime, settings: ProgramSettings, timezone: str
) -> None:
    open_ones = [
        i for i in inviter.invitees if invitation_state(i, now, settings, timezone) in OPEN_STATES
    ]
    if len(open_ones) >= settings.invitation_limit:
        raise InvitationLimitReached(
            f"at most {settings.invitation_limit} open invitations per member; "
            "one becomes free when an invitee's period ends or an invitation lapses unused"
        )


def ensure_not_self(inviter: DigitalMembership, contact: Contact) -> None:
    mine = {normal_email(inviter.membership.email), normal_phone(inviter.membership.phone)}
    theirs = {normal_email(contact.email), normal_phone(contact.phone)}
    if (mine & theirs) - {None}:
        raise NotAllowedForMembership("a member cannot invite their own email or phone")


def with_invitee(inviter: DigitalMembership, invitee: Invitee) -> DigitalMembership:
    return inviter.model_copy(update={"invitees": [*inviter.invitees, invitee]})


def new_invitee_number(random: RandomSource) -> str:
    """An invitee membership's number: `INV-` and 10 characters (an invitee has no SoR
    number; this one says nothing about its code or its inviter)."""
    return "INV-" + "".join(random.choice(DISCOUNT_ALPHABET) for _ in range(10))


def invitee_membership(
    inviter: DigitalMembership,
    invitee: Invitee,
    contact: Contact,
    settings: ProgramSettings,
    timezone: str,
    currency: str,
) -> DigitalMembership:
    """The invitee's own membership, before its first login: usable until the last
    activation day."""
    assert invitee.membership_number is not None
    invited_on = local_date(invitee.invited_at, timezone)
    return DigitalMembership(
        id=invitee.membership_number,
        program=inviter.program,
        meta=Meta(
            membership_number=invitee.membership_number,
            mode=MembershipMode.INVITEE,
            last_update=invitee.invited_at,
        ),
        membership=MembershipInfo(
            activation_code=invitee.invitee_code,
            member_name=contact.name,
            email=contact.email,
            phone=contact.phone,
            package=INVITEE_PACKAGE,
            status=MembershipStatus.ACTIVE,
            starts_on=invited_on,
            expires_on=last_activation_day(invitee.invited_at, settings, timezone),
        ),
        invitation=Invitation(
            invited_by=inviter.id,
            invitee_code=invitee.invitee_code,
            name=contact.name,
            email=contact.email,
            phone=contact.phone,
            invited_at=invitee.invited_at,
        ),
        counters=Counters.model_validate(
            {
                "foodAndBeverageSpend": {"amount": 0, "currency": currency},
                "roomSpend": {"amount": 0, "currency": currency},
            }
        ),
    )


def ensure_invitee_may_enter(
    invitee: DigitalMembership, now: datetime, settings: ProgramSettings, timezone: str
) -> None:
    """An invitee code opens the app while its invitation is pending or active: refused,
    with the day it ended, once it lapsed unused or the invitee period is over."""
    invitation = invitee.invitation
    if invitee.meta.mode is not MembershipMode.INVITEE:
        return
    if invitation is None:  # made before invitations were recorded: its stored last day
        ensure_invitee_period_open(invitee, now, timezone)
        return
    today = local_date(now, timezone)
    if invitation.activated_at is None:
        last = last_activation_day(invitation.invited_at, settings, timezone)
        if today > last:
            raise InvitationLapsed(
                f"the invitation lapsed unused: its code had to be first used by the end of "
                f"{last.isoformat()} ({timezone} time)"
            )
        return
    last = last_invitee_day(invitation.activated_at, settings, timezone)
    if today > last:
        raise InviteePeriodOver(
            f"the invitee period is over: its last day was {last.isoformat()} ({timezone} time)"
        )


def activated(
    invitee: DigitalMembership, now: datetime, settings: ProgramSettings, timezone: str
) -> DigitalMembership:
    """The invitee membership after its first login: the invitee period runs from now."""
    invitation = invitee.invitation
    if invitation is None or invitation.activated_at is not None:
        return invitee
    info = invitee.membership.model_copy(
        update={"expires_on": last_invitee_day(now, settings, timezone)}
    )
    return invitee.model_copy(
        update={
            "invitation": invitation.model_copy(update={"activated_at": now}),
            "membership": info,
        }
    )


def with_activation_seen(
    inviter: DigitalMembership, invitee_code: str, activated_at: datetime
) -> DigitalMembership:
    """The inviter's record of the invitation, once its invitee logged in first."""
    invitees = [
        i.model_copy(update={"activated_at": activated_at})
        if i.invitee_code == invitee_code and i.activated_at is None
        else i
        for i in inviter.invitees
    ]
    return inviter.model_copy(update={"invitees": invitees})
