"""A full member invites a friend (POST /mobile/invitations; rules in domain.inviting).

Three writes, in an order that loses nothing and doubles nothing:
1. the invitee code is issued in the code index (a conditional create: unique per program);
2. the inviter's membership records the invitation, conditional on its etag, where the limit
   of open invitations and the one-open-invitation-per-contact rule are decided, so parallel
   invitations cannot pass the limit together;
3. the invitee's own membership is created (and indexed for search).
A crash after 2 leaves a recorded invitation without its membership: the member's retry finds
the open invitation to that contact and creates what is missing. A code issued for a write
that lost (limit reached meanwhile) opens nothing: its index entry names a membership that
never existed, and issued codes are never reused anyway.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from mosaic.domain.codes import CodeKind, code_index_id
from mosaic.domain.errors import NotAuthenticated
from mosaic.domain.inviting import (
    Contact,
    ensure_below_limit,
    ensure_may_invite,
    ensure_not_self,
    invitee_membership,
    last_activation_day,
    new_invitee_number,
    open_invitation_to,
    recorded_contact,
    with_invitee,
)
from mosaic.domain.membership import DigitalMembership, Invitee
from mosaic.domain.program import ProgramSettings
from mosaic.ports.documents import Container, DocumentAlreadyExists, JsonDocument, StoredDocument
from mosaic.services.backends import Backends
from mosaic.services.codes import issue_code
from mosaic.services.documents import load, read_or_none, stored_body, update_with_retries
from mosaic.services.loyalty_views import summary_of
from mosaic.services.programs import load_program


@dataclass(frozen=True)
class InvitationMade:
    invitee: Invitee
    activate_by: date
    """The last day (program timezone) the invitee code may first be used."""
    created: bool
    """False: an open invitation to the same contact was answered instead."""


def invite_friend(
    backends: Backends, inviter: DigitalMembership, contact: Contact
) -> InvitationMade:
    ensure_may_invite(inviter)
    ensure_not_self(inviter, contact)
    program = load_program(backends, inviter.program)
    settings, timezone = program.settings, program.meta.timezone
    now = backends.clock.now()
    number = new_invitee_number(secrets.SystemRandom())
    codes: list[str] = []
    outcome: list[tuple[Invitee, bool]] = []

    def decide(current: StoredDocument | None) -> JsonDocument | None:
        if current is None:
            raise NotAuthenticated("the session's membership is gone; log in again")
        member = load(DigitalMembership, current)
        ensure_may_invite(member)
        existing = open_invitation_to(member, contact, now, settings, timezone)
        if existing is not None:
            outcome[:] = [(existing, False)]
            return None
        ensure_below_limit(member, now, settings, timezone)
        if not codes:
            codes.append(
                issue_code(
                    backends.documents,
                    member.program,
                    CodeKind.INVITEE_ACTIVATION,
                    number,
                    now,
                    about={"invitedBy": member.id},
                )
            )
        invitee = Invitee(
            name=contact.name,
            contact=contact.shown,
            invitee_code=codes[0],
            invited_at=now,
            membership_number=number,
            email=contact.email,
            phone=contact.phone,
        )
        outcome[:] = [(invitee, True)]
        return stored_body(with_invitee(member, invitee))

    update_with_retries(
        backends.documents, Container.MEMBERSHIPS, inviter.program, inviter.id, decide
    )
    invitee, created = outcome[-1]
    _create_invitee_membership(
        backends, inviter, invitee, contact, program.meta.currency, settings, timezone
    )
    return InvitationMade(
        invitee=invitee,
        activate_by=last_activation_day(invitee.invited_at, settings, timezone),
        created=created,
    )


def _create_invitee_membership(
    backends: Backends,
    inviter: DigitalMembership,
    invitee: Invitee,
    contact: Contact,
    currency: str,
    settings: ProgramSettings,
    timezone: str,
) -> None:
    if invitee.membership_number is None:
        return  # recorded by an older version, which made its membership itself
    document = invitee_membership(inviter, invitee, contact, settings, timezone, currency)
    try:
        backends.documents.create(Container.MEMBERSHIPS, stored_body(document))
    except DocumentAlreadyExists:
        return
    backends.search.upsert([summary_of(backends, document)])


def restore_invitee_membership(
    backends: Backends, program: str, code: str
) -> DigitalMembership | None:
    """The invitee membership of an invitee code whose inviter recorded the invitation but
    whose own membership was never made (a crash between the two writes; the inviter still
    sees the code on the home page and shares it): made now from the inviter's record."""
    entry = read_or_none(
        backends.documents,
        Container.CODES,
        program,
        code_index_id(CodeKind.INVITEE_ACTIVATION, code),
    )
    inviter_number = entry.body.get("invitedBy") if entry is not None else None
    if not isinstance(inviter_number, str):
        return None
    found = read_or_none(backends.documents, Container.MEMBERSHIPS, program, inviter_number)
    if found is None:
        return None
    inviter = load(DigitalMembership, found)
    invitee = next((i for i in inviter.invitees if i.invitee_code == code), None)
    if invitee is None or invitee.membership_number is None:
        return None
    document = load_program(backends, program)
    _create_invitee_membership(
        backends,
        inviter,
        invitee,
        recorded_contact(invitee),
        document.meta.currency,
        document.settings,
        document.meta.timezone,
    )
    stored = read_or_none(
        backends.documents, Container.MEMBERSHIPS, program, invitee.membership_number
    )
    return load(DigitalMembership, stored) if stored is not None else None
