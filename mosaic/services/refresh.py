"""Refreshing one digital membership from the SoR.

SoR-owned sections are rebuilt, digital-owned ones kept (domain.building); the write is
conditional on the etag read. Then the code index follows the document: codes the SoR now
gives the membership are claimed, codes it no longer has are released. A membership gone
from the SoR is marked removed, its SoR codes released and its search entry deleted.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime

from mosaic.domain.base import CamelModel
from mosaic.domain.building import (
    build_membership,
    mark_removed,
    read_is_stale,
    sor_issued_codes,
    unchanged_by_refresh,
)
from mosaic.domain.calendar import history_start
from mosaic.domain.codes import CodeKind
from mosaic.domain.errors import (
    DocumentFromNewerSchema,
    MembershipNotFound,
    SystemOfRecordUnavailable,
)
from mosaic.domain.membership import DigitalMembership, MembershipMode, summarize
from mosaic.domain.refreshing import request_already_served
from mosaic.ports.documents import Container, JsonDocument, StoredDocument
from mosaic.ports.sor import SorUnavailable
from mosaic.services.backends import Backends
from mosaic.services.codes import CodeConflict, claim_code, release_codes
from mosaic.services.documents import load, read_or_none, stored_body, update_with_retries
from mosaic.services.programs import ensure_program

MEMBERSHIP_REFRESH_QUEUE = "membership-refresh"
CONFLICT_RECHECK_SECONDS = 90
"""Past the coalescing time, so the claimant's recheck is not dropped as already served."""
REFRESH_LOG_DAYS = 90
"""How long a refresh log entry is kept (DESIGN section 3: they expire)."""
SOR_READ_MARK_SECONDS = 24 * 3600
"""How long a membership's last-read mark is kept: coalescing only needs the last minutes."""
log = logging.getLogger("mosaic.refresh")


class RefreshReason(StrEnum):
    LOGIN = "login"
    DEVICE = "device"
    MANUAL = "manual"
    UPDATE = "update"
    IMPORT = "import"
    CODE_CONFLICT = "code-conflict"


class MembershipRefreshRequest(CamelModel):
    """The `membership-refresh` queue message; `requestedAt` is wall-clock time, compared
    with when the membership was last read from the SoR."""

    program: str
    membership_number: str
    reason: RefreshReason
    requested_at: AwareDatetime
    attempt: int = 0
    """How many times the SoR was found down for this request (retry_when_sor_is_back)."""


@dataclass
class _Report:
    """What one refresh did, for its refreshLog entry."""

    outcome: str = "failed"
    details: dict[str, Any] = field(default_factory=dict)


def request_refresh(
    backends: Backends, program: str, number: str, reason: RefreshReason, *, delay_seconds: int = 0
) -> None:
    message = MembershipRefreshRequest(
        program=program,
        membership_number=number,
        reason=reason,
        requested_at=backends.wall_clock.now(),
    )
    backends.queue.send(
        MEMBERSHIP_REFRESH_QUEUE,
        message.model_dump_json(by_alias=True),
        delay_seconds=delay_seconds,
    )


SOR_RETRY_FIRST_SECONDS = 30
SOR_RETRY_MAX_SECONDS = 15 * 60
SOR_RETRY_ATTEMPTS = 8
"""30 s, 1, 2, 4, 8 min, then 15 min thrice: about an hour, when the hourly update takes over."""


def sor_retry_delay(attempt: int) -> int:
    """The wait before the attempt-th retry (from 0) of a request that found the SoR down."""
    return min(SOR_RETRY_FIRST_SECONDS << min(attempt, 10), SOR_RETRY_MAX_SECONDS)


def retry_when_sor_is_back(backends: Backends, request: MembershipRefreshRequest) -> int | None:
    """The SoR is down: queue the request again, later each time, instead of letting the
    host retry it at once and poison it after five quick tries. Returns the delay, or None
    when the request is given up after SOR_RETRY_ATTEMPTS (logged: the hourly update
    refreshes every membership whose SoR rows changed, once the SoR answers again)."""
    if request.attempt >= SOR_RETRY_ATTEMPTS:
        log.warning(
            "refresh of %s/%s (%s) dropped: the SoR was down %d times; the hourly update "
            "catches up",
            request.program,
            request.membership_number,
            request.reason.value,
            request.attempt,
        )
        return None
    delay = sor_retry_delay(request.attempt)
    retry = request.model_copy(update={"attempt": request.attempt + 1})
    backends.queue.send(
        MEMBERSHIP_REFRESH_QUEUE, retry.model_dump_json(by_alias=True), delay_seconds=delay
    )
    return delay


def refresh_requested(
    backends: Backends, request: MembershipRefreshRequest
) -> DigitalMembership | None:
    """The queue's refresh: dropped, with a log line, when the membership was read from the
    SoR since the request was made or within the coalescing time (DESIGN section 1), so a
    thousand queued requests for one member make one refresh."""
    found = read_or_none(
        backends.documents, Container.MEMBERSHIPS, request.program, request.membership_number
    )
    if found is not None:
        document = load(DigitalMembership, found)
        now, coalesce = backends.wall_clock.now(), backends.refresh_coalesce_seconds
        if not request_already_served(document, request.requested_at, now, coalesce):
            document = _as_last_read(backends, document)
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


def refresh_membership(
    backends: Backends, program: str, number: str, reason: RefreshReason
) -> DigitalMembership:
    """Rebuild the membership from the SoR, keep its code index and search entry in step, and
    log the refresh. Raises MembershipNotFound (after marking the document removed) when the
    SoR no longer has the membership."""
    started, clock_started = backends.clock.now(), time.perf_counter()
    report = _Report()
    try:
        return _refresh(backends, program, number, report)
    except DocumentFromNewerSchema:
        report.outcome = "newer-schema"
        raise
    finally:
        _log(backends, program, number, reason, started, clock_started, report)


def _refresh(backends: Backends, program: str, number: str, report: _Report) -> DigitalMembership:
    now = backends.clock.now()
    timezone = ensure_program(backends, program)
    read_at = backends.wall_clock.now()
    try:
        record = backends.sor.membership_record(
            program, number, history_since=history_start(now, timezone)
        )
    except SorUnavailable as error:
        raise SystemOfRecordUnavailable("the system of record is not answering") from error
    if record is None:
        return _remove(backends, program, number, now, read_at, report)
    decision = _Decision()

    def decide(current: StoredDocument | None) -> JsonDocument | None:
        existing = load(DigitalMembership, current) if current else None
        if decision.keep(existing, read_at):
            return None
        built = stored_body(build_membership(record, existing, now, read_at))
        if current is not None and unchanged_by_refresh(built, current.body):
            decision.unchanged = True
            return None
        decision.document = DigitalMembership.model_validate(built)
        return built

    stored = update_with_retries(backends.documents, Container.MEMBERSHIPS, program, number, decide)
    document = decision.result()
    if decision.skipped or stored is None:
        report.outcome = decision.skipped or "skipped"
        return document
    mark = _read_mark(backends, program, number)
    _index_codes(backends, document, now, report)
    if not decision.unchanged or mark is None or mark.search_etag != stored.etag:
        backends.search.upsert([summarize(document)])
    _mark_read(backends, program, number, read_at, stored.etag)
    report.outcome = "unchanged" if decision.unchanged else "refreshed"
    return document


class _SorReadMark(CamelModel):
    """When a membership was last read from the SoR, and which version of its document the
    search index has: kept beside the document (`system` container), not in it.

    A refresh that finds nothing changed writes nothing to the membership document: a
    rewrite would change only its time stamps and its etag, and every POS write made
    meanwhile would conflict and retry for nothing. But coalescing needs to know the SoR
    was read: without it, the document's sorReadAt would stay old and every queued request
    for an unchanged member would read the SoR again. So the read time goes to this small
    mark (its own document: writing it conflicts with no one), and coalescing takes the
    newer of the two (refresh_requested). The login's refresh_is_due still looks at the
    document only: it may queue a request the queue then drops on this mark.

    The mark also names the document etag the search index was last written from, so a
    refresh that wrote the document but failed before the search upsert is completed by
    the next one, even when that one finds nothing changed. A stale read (older than the
    document's sorReadAt) is still refused by the document; one older than only this mark
    is not: it can at worst rewrite what the SoR said moments before, and the next refresh
    corrects it."""

    id: str
    program: str
    kind: str = "membershipSorRead"
    membership_number: str
    sor_read_at: AwareDatetime
    search_etag: str | None = None
    ttl: int = SOR_READ_MARK_SECONDS


def _mark_id(number: str) -> str:
    return f"sor-read-{number}"


def _read_mark(backends: Backends, program: str, number: str) -> _SorReadMark | None:
    found = read_or_none(backends.documents, Container.SYSTEM, program, _mark_id(number))
    return _SorReadMark.model_validate(found.body) if found else None


def _mark_read(backends: Backends, program: str, number: str, read_at: datetime, etag: str) -> None:
    """Last writer wins: two refreshes at once both read the SoR just now."""
    mark = _SorReadMark(
        id=_mark_id(number),
        program=program,
        membership_number=number,
        sor_read_at=read_at,
        search_etag=etag,
    )
    backends.documents.upsert(Container.SYSTEM, mark.model_dump(mode="json", by_alias=True))


def _as_last_read(backends: Backends, document: DigitalMembership) -> DigitalMembership:
    """The document as coalescing should see it: read from the SoR at the newer of its own
    sorReadAt and its read mark's (_SorReadMark)."""
    mark = _read_mark(backends, document.program, document.id)
    stored = document.meta.sor_read_at
    if mark is None or (stored is not None and stored >= mark.sor_read_at):
        return document
    meta = document.meta.model_copy(update={"sor_read_at": mark.sor_read_at})
    return document.model_copy(update={"meta": meta})


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


def _index_codes(
    backends: Backends, document: DigitalMembership, now: datetime, report: _Report
) -> None:
    store, program, number = backends.documents, document.program, document.id
    held = sor_issued_codes(document)
    conflicts = [
        conflict
        for kind, code in held
        if (conflict := claim_code(store, program, kind, code, number, now)) is not None
    ]
    released = release_codes(
        store, program, number, _indexed_sor_codes(backends, program, number) - held
    )
    if released:
        report.details["codesReleased"] = released
    if conflicts:
        _report_conflicts(backends, program, number, conflicts, report)


def _indexed_sor_codes(backends: Backends, program: str, number: str) -> set[tuple[CodeKind, str]]:
    """Every SoR-issued code the index holds for the membership, whatever document it
    came from (a refresh that lost a race may have claimed a code after another released)."""
    entries = backends.documents.query(
        Container.CODES, program, equals={"membershipNumber": number}
    )
    kinds = {CodeKind.MEMBERSHIP_ACTIVATION.value, CodeKind.STATIC_VOUCHER.value}
    return {
        (CodeKind(entry.body["kind"]), str(entry.body["code"]))
        for entry in entries
        if entry.body.get("kind") in kinds
    }


def _report_conflicts(
    backends: Backends,
    program: str,
    number: str,
    conflicts: list[CodeConflict],
    report: _Report,
) -> None:
    """The holder's refresh releases a code its SoR row no longer has; this membership's
    refresh, a minute later, claims it then."""
    report.details["codeConflicts"] = [
        {"kind": c.kind.value, "code": c.code, "heldBy": c.held_by} for c in conflicts
    ]
    for holder in sorted({c.held_by for c in conflicts}):
        request_refresh(backends, program, holder, RefreshReason.CODE_CONFLICT)
    request_refresh(
        backends,
        program,
        number,
        RefreshReason.CODE_CONFLICT,
        delay_seconds=CONFLICT_RECHECK_SECONDS,
    )


def _remove(
    backends: Backends,
    program: str,
    number: str,
    now: datetime,
    read_at: datetime,
    report: _Report,
) -> DigitalMembership:
    """The SoR no longer has the membership: mark the document, release its SoR codes and
    take it out of search. Nothing is deleted: its redemptions and ledger stay on record.
    Raises MembershipNotFound, unless the document is an invitee's (digital only)."""
    decision = _Decision()

    def decide(current: StoredDocument | None) -> JsonDocument | None:
        existing = load(DigitalMembership, current) if current else None
        if existing is None or decision.keep(existing, read_at):
            return None
        decision.document = mark_removed(existing, now, read_at)
        return stored_body(decision.document)

    update_with_retries(backends.documents, Container.MEMBERSHIPS, program, number, decide)
    if decision.skipped:  # an invitee, or a newer read found the membership after all
        report.outcome = decision.skipped
        return decision.result()
    report.outcome = "not-found" if decision.document is None else "removed"
    stale = _indexed_sor_codes(backends, program, number)
    released = release_codes(backends.documents, program, number, stale)
    if released:
        report.details["codesReleased"] = released
    backends.search.delete(program, number)
    if decision.document is not None:
        log.warning("membership %s/%s is gone from the SoR: marked removed", program, number)
    raise MembershipNotFound(f"no membership {number} in program {program}")


def _log(
    backends: Backends,
    program: str,
    number: str,
    reason: RefreshReason,
    started: datetime,
    clock_started: float,
    report: _Report,
) -> None:
    backends.documents.create(
        Container.REFRESH_LOG,
        {
            "id": uuid.uuid4().hex,
            "program": program,
            "kind": "membership",
            "key": number,
            "reason": reason.value,
            "started": started.isoformat(),
            "finished": backends.clock.now().isoformat(),
            "durationMs": round((time.perf_counter() - clock_started) * 1000, 3),
            "outcome": report.outcome,
            **report.details,
            "ttl": REFRESH_LOG_DAYS * 24 * 3600,
        },
    )
