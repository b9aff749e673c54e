"""Invitee conversion, run by the refresh of a full membership: the invitation it converts
is marked on both sides and the inviter gets the referral voucher, once (domain.invitations).

Inviter first, invitee second: a crash between the two leaves the invitation open, the next
refresh finds it again, and crediting the inviter a second time adds nothing. Both writes are
conditional on the etag read, retried on a conflict.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from mosaic.domain.calendar import local_date
from mosaic.domain.codes import CodeKind
from mosaic.domain.contacts import normal_email, normal_phone
from mosaic.domain.invitations import (
    converted_invitation,
    credit_referral,
    is_credited,
    mark_converted,
    may_convert,
)
from mosaic.domain.membership import DigitalMembership, Invitation, MembershipMode
from mosaic.ports.documents import Container, JsonDocument, StoredDocument, Where
from mosaic.services.backends import Backends
from mosaic.services.codes import issue_code, voucher_about
from mosaic.services.documents import load, stored_body, update_with_retries
from mosaic.services.programs import program_settings

log = logging.getLogger("mosaic.invitations")


def convert_invitation(
    backends: Backends, member: DigitalMembership, timezone: str, now: datetime
) -> Invitation | None:
    """Convert the open invitation the full membership `member` matches, if any; returns it."""
    today = local_date(now, timezone)
    if not may_convert(member, today):
        return None
    found = converted_invitation(member, _invitees_matching(backends, member), timezone)
    if found is None or found.invitation is None:
        return None
    invitation = found.invitation
    credit_inviter(backends, member.program, invitation, now, today)
    _mark_invitee(backends, member.program, found.id, member.id, now)
    log.info(
        "invitee %s of %s/%s converted to full membership %s",
        invitation.invitee_code,
        member.program,
        invitation.invited_by,
        member.id,
    )
    return invitation


def _invitees_matching(backends: Backends, member: DigitalMembership) -> list[DigitalMembership]:
    """Invitee documents with the member's email or phone: indexed equality queries."""
    found: dict[str, DigitalMembership] = {}
    contacts = (
        ("invitation.email", normal_email(member.membership.email)),
        ("invitation.phone", normal_phone(member.membership.phone)),
    )
    for field, value in contacts:
        if value is None:
            continue
        for stored in backends.documents.query(
            Container.MEMBERSHIPS,
            member.program,
            where=[Where(field, "=", value), Where("meta.mode", "=", MembershipMode.INVITEE.value)],
        ):
            found[stored.id] = load(DigitalMembership, stored)
    return list(found.values())


def credit_inviter(
    backends: Backends, program: str, invitation: Invitation, now: datetime, today: date
) -> None:
    settings = program_settings(backends, program).referral_voucher
    codes: list[str] = []

    def decide(current: StoredDocument | None) -> JsonDocument | None:
        inviter = load(DigitalMembership, current) if current else None
        if inviter is None or is_credited(inviter, invitation.invitee_code):
            return None  # an inviter gone from the store has no one to credit
        if not codes:
            codes.append(
                issue_code(
                    backends.documents,
                    program,
                    CodeKind.DYNAMIC_VOUCHER,
                    inviter.id,
                    now,
                    about=voucher_about(settings.hotel),
                )
            )
        credited = credit_referral(inviter, invitation.invitee_code, settings, codes[0], now, today)
        return stored_body(credited)

    update_with_retries(
        backends.documents, Container.MEMBERSHIPS, program, invitation.invited_by, decide
    )


def _mark_invitee(
    backends: Backends, program: str, invitee: str, number: str, now: datetime
) -> None:
    def decide(current: StoredDocument | None) -> JsonDocument | None:
        document = load(DigitalMembership, current) if current else None
        if document is None or document.invitation is None:
            return None
        if document.invitation.converted_at is not None:
            return None
        return stored_body(mark_converted(document, number, now))

    update_with_retries(backends.documents, Container.MEMBERSHIPS, program, invitee, decide)
