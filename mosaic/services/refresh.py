"""Refreshing one digital membership from the SoR.

SoR-owned sections are rebuilt, digital-owned ones kept (domain.building); the write is
conditional on the etag read. Then the code index follows the document: codes the SoR now
gives the membership are claimed, codes it no longer has are released. A membership gone
from the SoR is marked removed, its SoR codes released and its search entry deleted.

Each Engage campaign the membership is eligible for and has no voucher of yet gets a
dynamic voucher whose 6-digit code is issued in the code index before the conditional
write; a retry of the write reuses the codes this refresh already issued, and codes issued for
a write that lost the race (never shown to anyone) are released afterwards.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from mosaic.domain.building import (
    build_membership,
    mark_removed,
    read_is_stale,
    unchanged_by_refresh,
)
from mosaic.domain.calendar import history_start, local_date
from mosaic.domain.campaigns import campaigns_to_issue
from mosaic.domain.codes import CodeKind
from mosaic.domain.errors import (
    DocumentFromNewerSchema,
    MembershipNotFound,
    SystemOfRecordUnavailable,
)
from mosaic.domain.loyalty.due import with_next_due
from mosaic.domain.loyalty.rules import LoyaltyRules
from mosaic.domain.membership import (
    DigitalMembership,
    MembershipMode,
    MembershipStatus,
)
from mosaic.domain.refreshing import refresh_is_due, request_already_served
from mosaic.ports.documents import Container, JsonDocument, StoredDocument
from mosaic.ports.sor import SorUnavailable
from mosaic.services.backends import Backends
from mosaic.services.codes import (
    issue_code,
    release_codes,
    release_unheld_vouchers,
    voucher_about,
)
from mosaic.services.documents import load, read_or_none, stored_body, update_with_retries
from mosaic.services.invitations import convert_invitation
from mosaic.services.invitees import refresh_invitee
from mosaic.services.loyalty_views import summary_of
from mosaic.services.membership_codes import index_codes, indexed_sor_codes
from mosaic.services.programs import ensure_program, program_loyalty
from mosaic.services.refresh_log import RefreshReport, logged_refresh
from mosaic.services.refresh_requests import (
    MEMBERSHIP_REFRESH_QUEUE,
    MembershipRefreshRequest,
    RefreshReason,
    request_refresh,
    retry_when_sor_is_back,
)
from mosaic.services.sor_read_marks import as_last_read, mark_read, read_mark

__all__ = [
    "MEMBERSHIP_REFRESH_QUEUE",
    "MembershipRefreshRequest",
    "RefreshReason",
    "refresh_membership",
    "refresh_requested",
    "request_refresh",
    "retry_when_sor_is_back",
]
log = logging.getLogger("mosaic.refresh")


COALESCED_REASONS = frozenset({RefreshReason.LOGIN, RefreshReason.DEVICE})
"""Requests a member's own activity makes: a recent read serves them. A request made because
the SoR changed (update, import, code conflict) is served only by a read made after it, which
is the read that sees the change."""


def _coalesce_seconds(backends: Backends, reason: RefreshReason) -> int:
    return backends.refresh_coalesce_seconds if reason in COALESCED_REASONS else 0


def request_refresh_if_due(
    backends: Backends, document: DigitalMembership, reason: RefreshReason
) -> None:
    """Queue a refresh for a member's own activity (a login, a device) unless the membership
    was read from the SoR in the coalescing time: by its document, or (a refresh that found
    nothing changed writes only that) its read mark, looked at only when the document alone
    says a refresh is due."""
    now, coalesce = backends.wall_clock.now(), backends.refresh_coalesce_seconds
    if refresh_is_due(document, now, coalesce) and refresh_is_due(
        as_last_read(backends, document), now, coalesce
    ):
        request_refresh(backends, document.program, document.id, reason)


def refresh_requested(
    backends: Backends, request: MembershipRefreshRequest
) -> DigitalMembership | None:
    """The queue's refresh: dropped, with a log line, when the membership was read from the
    SoR since the request was made or, for a member's own activity (COALESCED_REASONS), within
    the coalescing time (DESIGN section 1), so a thousand queued logins of one member make one
    refresh."""
    found = read_or_none(
        backends.documents, Container.MEMBERSHIPS, request.program, request.membership_number
    )
    if found is not None:
        document = load(DigitalMembership, found)
        if document.meta.mode is MembershipMode.INVITEE:
            return _refresh_invitee(backends, request, document)
        now, coalesce = backends.wall_clock.now(), _coalesce_seconds(backends, request.reason)
        if not request_already_served(document, request.requested_at, now, coalesce):
            document = as_last_read(backends, document)
        if request_already_served(document, request.requested_at, now, coalesce):
            log.info(
                "refresh of %s/%s (%s) dropped: read from the SoR at %s",
                request.program,
                request.membership_number,
                request.reason.value,
                document.meta.sor_read_at,
            )
            return None
    return refresh_membership(backends, request.program, request.membership_number, request.reason)


def _refresh_invitee(
    backends: Backends, request: MembershipRefreshRequest, document: DigitalMembership
) -> DigitalMembership | None:
    """An invitee lives in the document store only: rebuilt from the program document
    (its campaigns and offers), unless rebuilt since the request was made."""
    last = document.meta.last_refresh
    if last is not None and last >= request.requested_at:
        return None
    program, number = request.program, request.membership_number
    with logged_refresh(backends, program, "membership", number, request.reason.value) as report:
        return refresh_invitee(backends, program, number, report)


def refresh_membership(
    backends: Backends, program: str, number: str, reason: RefreshReason
) -> DigitalMembership:
    """Rebuild the membership from the SoR, keep its code index and search entry in step, and
    log the refresh. Raises MembershipNotFound (after marking the document removed) when the
    SoR no longer has the membership."""
    with logged_refresh(backends, program, "membership", number, reason.value) as report:
        try:
            return _refresh(backends, program, number, report)
        except DocumentFromNewerSchema:
            report.outcome = "newer-schema"
            raise


def _refresh(
    backends: Backends, program: str, number: str, report: RefreshReport
) -> DigitalMembership:
    now = backends.clock.now()
    timezone = ensure_program(backends, program)
    read_at = backends.wall_clock.now()
    try:
        record = backends.sor.membership_record(
            program, number, history_since=history_start(now, timezone)
        )
    except SorUnavailable as error:
        raise SystemOfRecordUnavailable("the system of record is not answering") from error
    loyalty = program_loyalty(backends, program)
    if record is None:
        return _remove(backends, program, number, now, read_at, loyalty, report)
    decision = _Decision()
    issued: dict[str, str] = {}  # campaign id -> code, kept across the retries of decide
    today = local_date(now, record.program.timezone)

    def decide(current: StoredDocument | None) -> JsonDocument | None:
        existing = load(DigitalMembership, current) if current else None
        if decision.keep(existing, read_at):
            return None
        vouchers = existing.dynamic_vouchers if existing else []
        for campaign in campaigns_to_issue(record, vouchers, today):
            if campaign.id not in issued:
                issued[campaign.id] = issue_code(
                    backends.documents,
                    program,
                    CodeKind.DYNAMIC_VOUCHER,
                    number,
                    now,
                    about=voucher_about(campaign.hotel),
                )
        rebuilt = build_membership(record, existing, now, read_at, issued)
        # The membership's expiry date may have moved, and its renewal reminders with it.
        built = stored_body(with_next_due(rebuilt, loyalty, now))
        if current is not None and unchanged_by_refresh(built, current.body):
            decision.unchanged = True
            return None
        decision.document = DigitalMembership.model_validate(built)
        return built

    try:
        stored = update_with_retries(
            backends.documents, Container.MEMBERSHIPS, program, number, decide
        )
    finally:
        release_unheld_vouchers(backends.documents, program, number, issued.values())
    document = decision.result()
    if decision.skipped or stored is None:
        report.outcome = decision.skipped or "skipped"
        return document
    if _superseded(backends, program, number, stored.etag):
        # Another refresh wrote after this one: the code index and search entry are its to
        # set, from its newer document; this one's would undo them.
        report.details["superseded"] = True
    else:
        mark = read_mark(backends, program, number)
        index_codes(backends, document, now, report)
        if not decision.unchanged or mark is None or mark.search_etag != stored.etag:
            backends.search.upsert([summary_of(backends, document)])
        mark_read(backends, program, number, read_at, stored.etag)
    converted = convert_invitation(backends, document, timezone, now)
    if converted is not None:
        report.details["convertedInvitation"] = converted.invitee_code
    report.outcome = "unchanged" if decision.unchanged else "refreshed"
    return document


def _superseded(backends: Backends, program: str, number: str, etag: str) -> bool:
    current = read_or_none(backends.documents, Container.MEMBERSHIPS, program, number)
    return current is None or current.etag != etag


@dataclass
class _Decision:
    """What the last decision of a conditional write was: a new document, or the stored one
    kept (`skipped` says why)."""

    document: DigitalMembership | None = None
    skipped: str | None = None
    unchanged: bool = False

    def keep(self, existing: DigitalMembership | None, read_at: datetime) -> bool:
        """Keep an invitee (it lives in the document store only) and a document built from a
        newer SoR read than ours."""
        self.document, self.skipped, self.unchanged = existing, None, False
        if existing is not None and existing.meta.mode is not MembershipMode.FULL:
            self.skipped = "digital-only"
        elif read_is_stale(existing, read_at):
            self.skipped = "stale-read"
        return self.skipped is not None

    def result(self) -> DigitalMembership:
        if self.document is None:
            raise MembershipNotFound("the membership has no document to keep")
        return self.document


def _remove(
    backends: Backends,
    program: str,
    number: str,
    now: datetime,
    read_at: datetime,
    loyalty: LoyaltyRules,
    report: RefreshReport,
) -> DigitalMembership:
    """The SoR no longer has the membership: mark the document, release its SoR codes and
    take it out of search. Nothing is deleted: its redemptions and ledger stay on record.
    Raises MembershipNotFound, unless the document is an invitee's (digital only)."""
    decision = _Decision()

    def decide(current: StoredDocument | None) -> JsonDocument | None:
        existing = load(DigitalMembership, current) if current else None
        if existing is None or decision.keep(existing, read_at):
            return None
        if existing.membership.status is MembershipStatus.REMOVED:
            return None  # marked already: writing again would change its etag for nothing
        decision.document = with_next_due(mark_removed(existing, now, read_at), loyalty, now)
        return stored_body(decision.document)

    update_with_retries(backends.documents, Container.MEMBERSHIPS, program, number, decide)
    if decision.skipped:  # an invitee, or a newer read found the membership after all
        report.outcome = decision.skipped
        return decision.result()
    report.outcome = "not-found" if decision.document is None else "removed"
    stale = indexed_sor_codes(backends, program, number)
    released = release_codes(backends.documents, program, number, stale)
    if released:
        report.details["codesReleased"] = released
    backends.search.delete(program, number)
    if decision.document is not None:
        log.warning("membership %s/%s is gone from the SoR: marked removed", program, number)
    raise MembershipNotFound(f"no membership {number} in program {program}")
