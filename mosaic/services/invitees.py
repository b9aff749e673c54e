"""Invitee memberships, which live in the document store only: their first login, and their
refresh, made from the digital program (its campaigns and offers), never from the SoR.

The first login starts the invitee period (domain.inviting). The invitee's document is
written first, conditional on its etag, so of two first logins at once one activates and
the other sees it activated; the inviter's record of the invitation follows, and every
refresh of the invitee repeats that step, so a crash between the two writes heals.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from mosaic.domain.calendar import local_date
from mosaic.domain.campaigns import followed_vouchers, invitee_campaigns_to_issue
from mosaic.domain.codes import CodeKind
from mosaic.domain.errors import InvitationLapsed, InviteePeriodOver
from mosaic.domain.inviting import (
    activated,
    ensure_invitee_may_enter,
    with_activation_seen,
)
from mosaic.domain.loyalty.due import with_next_due
from mosaic.domain.loyalty.rules import rules_of
from mosaic.domain.membership import (
    DigitalMembership,
    MembershipStatus,
    Offer,
)
from mosaic.domain.program import ContentType, DigitalProgram
from mosaic.ports.documents import Container, JsonDocument, StoredDocument
from mosaic.services.backends import Backends
from mosaic.services.codes import issue_code, release_unheld_vouchers, voucher_about
from mosaic.services.documents import load, stored_body, update_with_retries
from mosaic.services.loyalty_views import summary_of
from mosaic.services.programs import load_program, program_settings, program_timezone
from mosaic.services.refresh_log import RefreshReport

log = logging.getLogger("mosaic.invitees")


def enter_as_invitee(
    backends: Backends, invitee: DigitalMembership, now: datetime
) -> DigitalMembership:
    """The invitee's login: refused once the invitation lapsed or the period is over; the
    first one activates the invitation. The login rebuilds the invitee's vouchers and offers
    from the program document (no queue: nothing to read from the SoR) unless it did so
    within the coalescing time."""
    program = load_program(backends, invitee.program)
    ensure_invitee_may_enter(invitee, now, program.settings, program.meta.timezone)
    first = invitee.invitation is not None and invitee.invitation.activated_at is None
    last = invitee.meta.last_refresh
    due = last is None or now - last >= timedelta(seconds=backends.refresh_coalesce_seconds)
    if not (first or due):
        return invitee
    return _rebuild(backends, program, invitee.id, now, activate=first) or invitee


def ensure_invitee_may_use(backends: Backends, invitee: DigitalMembership) -> None:
    """An invitee's session holds while the invitation is pending or in its period."""
    timezone = program_timezone(backends, invitee.program)
    settings = program_settings(backends, invitee.program)
    ensure_invitee_may_enter(invitee, backends.clock.now(), settings, timezone)


def refresh_invitee(
    backends: Backends, program_code: str, number: str, report: RefreshReport
) -> DigitalMembership | None:
    """Rebuild an invitee's vouchers and offers from the program document."""
    program = load_program(backends, program_code)
    document = _rebuild(backends, program, number, backends.clock.now(), activate=False)
    report.outcome = "refreshed" if document is not None else "not-found"
    return document


def _rebuild(
    backends: Backends, program: DigitalProgram, number: str, now: datetime, *, activate: bool
) -> DigitalMembership | None:
    timezone, settings = program.meta.timezone, program.settings
    today = local_date(now, timezone)
    issued: dict[str, str] = {}
    built: list[DigitalMembership] = []

    def decide(current: StoredDocument | None) -> JsonDocument | None:
        if current is None:
            return None
        invitee = load(DigitalMembership, current)
        if activate:
            invitee = activated(invitee, now, settings, timezone)
        to_issue = invitee_campaigns_to_issue(
            program.voucher_campaigns, invitee.dynamic_vouchers, today
        )
        for campaign in to_issue:
            if campaign.id not in issued:
                issued[campaign.id] = issue_code(
                    backends.documents,
                    program.program,
                    CodeKind.DYNAMIC_VOUCHER,
                    number,
                    now,
                    about=voucher_about(campaign.hotel),
                )
        vouchers = followed_vouchers(
            program.voucher_campaigns, invitee.dynamic_vouchers, to_issue, issued, today
        )
        status = _status(invitee, now, program)
        info = invitee.membership.model_copy(update={"status": status})
        meta = invitee.meta.model_copy(update={"last_update": now, "last_refresh": now})
        rebuilt = invitee.model_copy(
            update={
                "dynamic_vouchers": vouchers,
                "offers": invitee_offers(program, today),
                "membership": info,
                "meta": meta,
            }
        )
        rebuilt = with_next_due(rebuilt, rules_of(program), now)
        built[:] = [rebuilt]
        return stored_body(rebuilt)

    try:
        stored = update_with_retries(
            backends.documents, Container.MEMBERSHIPS, program.program, number, decide
        )
    finally:
        release_unheld_vouchers(backends.documents, program.program, number, issued.values())
    if stored is None or not built:
        return None
    document = load(DigitalMembership, stored)
    backends.search.upsert([summary_of(backends, document)])
    _tell_inviter(backends, document)
    return document


def _status(invitee: DigitalMembership, now: datetime, program: DigitalProgram) -> MembershipStatus:
    try:
        ensure_invitee_may_enter(invitee, now, program.settings, program.meta.timezone)
    except (InvitationLapsed, InviteePeriodOver):
        return MembershipStatus.EXPIRED
    if invitee.invitation is not None and invitee.invitation.converted_at is not None:
        return MembershipStatus.EXPIRED
    return MembershipStatus.ACTIVE


def invitee_offers(program: DigitalProgram, today: date) -> list[Offer]:
    """The program's offers open to every package, current or to come: what an invitee,
    who has bought no package, may take."""
    content = program.content.get(ContentType.APP)
    if content is None:
        return []
    return [
        Offer(
            code=o.code,
            title=o.title,
            hotel=o.hotel,
            valid_from=o.valid_from,
            valid_to=o.valid_to,
        )
        for o in content.offers
        if not o.packages and o.valid_to >= today
    ]


def _tell_inviter(backends: Backends, invitee: DigitalMembership) -> None:
    """The inviter's record of the invitation learns of the first login (idempotent)."""
    invitation = invitee.invitation
    if invitation is None or invitation.activated_at is None:
        return
    activated_at = invitation.activated_at

    def decide(current: StoredDocument | None) -> JsonDocument | None:
        if current is None:
            return None
        inviter = load(DigitalMembership, current)
        entry = next(
            (i for i in inviter.invitees if i.invitee_code == invitation.invitee_code), None
        )
        if entry is None or entry.activated_at is not None:
            return None
        return stored_body(with_activation_seen(inviter, invitation.invitee_code, activated_at))

    update_with_retries(
        backends.documents, Container.MEMBERSHIPS, invitee.program, invitation.invited_by, decide
    )
