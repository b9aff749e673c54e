"""Refreshing one digital program from the SoR (the 8-hourly job, and on request): its
catalog, and its statistics of the last 12 months; what the digital side owns is kept."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime

from pydantic import AwareDatetime, Field

from mosaic.domain.base import CamelModel
from mosaic.domain.calendar import history_start, local_date
from mosaic.domain.codes import CodeKind
from mosaic.domain.errors import (
    DocumentFromNewerSchema,
    ProgramMisconfigured,
    ProgramNotFound,
    SystemOfRecordUnavailable,
)
from mosaic.domain.membership import MembershipMode, MembershipStatus
from mosaic.domain.program import DigitalProgram, VoucherCampaign
from mosaic.domain.program_records import SorMonthlyFigure, SorProgramCatalog
from mosaic.domain.programs import build_program, count_by_month
from mosaic.ports.documents import Container, JsonDocument, StoredDocument, Where
from mosaic.ports.sor import SorUnavailable
from mosaic.services.backends import Backends
from mosaic.services.callers import store_callers
from mosaic.services.codes import NETWORK_WIDE
from mosaic.services.documents import load, update_with_retries
from mosaic.services.program_directory import remember_program
from mosaic.services.program_rules import forget_program_rules
from mosaic.services.programs import forget_timezone
from mosaic.services.refresh_log import logged_refresh
from mosaic.services.refresh_requests import RefreshReason, request_refresh, send_again_later

PROGRAM_REFRESH_QUEUE = "program-refresh"
log = logging.getLogger("mosaic.programs")


class ProgramRefreshRequest(CamelModel):
    """The `program-refresh` queue message."""

    program: str
    reason: str
    requested_at: AwareDatetime
    attempt: int = Field(default=0, ge=0, description="times the SoR was down for it so far")


def request_program_refreshes(backends: Backends, reason: str) -> list[str]:
    """Queue a refresh of every program the SoR knows (the 8-hourly timer); their codes."""
    try:
        codes = backends.sor.program_codes()
    except SorUnavailable as error:
        raise SystemOfRecordUnavailable("the system of record is not answering") from error
    for code in codes:
        message = ProgramRefreshRequest(
            program=code, reason=reason, requested_at=backends.wall_clock.now()
        )
        backends.queue.send(PROGRAM_REFRESH_QUEUE, message.model_dump_json(by_alias=True))
    return codes


def retry_program_refresh_later(backends: Backends, request: ProgramRefreshRequest) -> int | None:
    """A program refresh that found the SoR down waits, as a membership refresh does
    (send_again_later); given up, it is logged: the 8-hourly timer queues every program
    again."""
    delay = send_again_later(backends, PROGRAM_REFRESH_QUEUE, request, request.attempt)
    if delay is None:
        log.warning(
            "refresh of program %s dropped: the SoR was down %d times; the 8-hourly refresh "
            "catches up",
            request.program,
            request.attempt,
        )
    return delay


def refresh_program(backends: Backends, program: str, reason: str) -> DigitalProgram:
    """Rebuild the program document; a failed refresh leaves the stored one as it was and
    is logged with its outcome."""
    with logged_refresh(backends, program, "program", program, reason) as report:
        try:
            document = _refresh(backends, program)
            report.outcome = "refreshed"
            return document
        except ProgramNotFound:
            report.outcome = "not-found"
            raise
        except DocumentFromNewerSchema:
            report.outcome = "newer-schema"
            raise
        except ProgramMisconfigured as error:
            report.outcome = "misconfigured"
            report.details["error"] = str(error)
            raise


def _refresh(backends: Backends, program: str) -> DigitalProgram:
    now = backends.clock.now()
    try:
        catalog = _catalog(backends, program, now)
        timezone = catalog.program.timezone
        since = history_start(now, timezone).date()
        statistics = backends.sor.program_statistics(program, since=since)
        callers = backends.sor.callers(program)
    except SorUnavailable as error:
        raise SystemOfRecordUnavailable("the system of record is not answering") from error
    issued = _dynamic_vouchers_per_hotel(backends, program, history_start(now, timezone), timezone)
    statistics = replace(statistics, dynamic_vouchers_per_hotel=issued)
    built: list[DigitalProgram] = []

    campaigns_before: list[list[VoucherCampaign]] = []

    def decide(current: StoredDocument | None) -> JsonDocument:
        existing = load(DigitalProgram, current) if current else None
        campaigns_before[:] = [existing.voucher_campaigns if existing else []]
        built.append(build_program(catalog, statistics, existing, now))
        return built[-1].model_dump(mode="json", by_alias=True)

    update_with_retries(backends.documents, Container.PROGRAMS, program, program, decide)
    if campaigns_before and campaigns_before[0] != built[-1].voucher_campaigns:
        _rebuild_open_invitees(backends, program)
    store_callers(backends, program, callers)
    remember_program(backends, program)
    forget_timezone(backends, program)
    forget_program_rules(backends, program)
    return built[-1]


def _rebuild_open_invitees(backends: Backends, program: str) -> None:
    """The program's campaigns changed: every invitee still in its period is rebuilt (the
    queue), so a campaign for invitees reaches the ones signed in now."""
    invitees = backends.documents.iterate(
        Container.MEMBERSHIPS,
        program,
        where=[
            Where("meta.mode", "=", MembershipMode.INVITEE.value),
            Where("membership.status", "=", MembershipStatus.ACTIVE.value),
        ],
        page_size=500,
    )
    for invitee in invitees:
        request_refresh(backends, program, invitee.id, RefreshReason.UPDATE)


def _dynamic_vouchers_per_hotel(
    backends: Backends, program: str, since: datetime, timezone: str
) -> list[SorMonthlyFigure]:
    """Dynamic vouchers issued per hotel and month: they live in the document store only,
    and their code index entries (one per voucher, with its hotel) are counted in one paged
    query of the program's partition, never one read per membership."""
    entries = backends.documents.iterate(
        Container.CODES,
        program,
        where=[
            Where("kind", "=", CodeKind.DYNAMIC_VOUCHER.value),
            Where("createdAt", ">=", since.astimezone(UTC).isoformat()),
        ],
        page_size=1000,
    )
    return count_by_month(
        (
            (
                datetime.fromisoformat(str(e.body["createdAt"])),
                str(e.body.get("hotel", NETWORK_WIDE)),
            )
            for e in entries
        ),
        timezone,
    )


def _catalog(backends: Backends, program: str, now: datetime) -> SorProgramCatalog:
    found = backends.sor.program(program)
    if found is None:
        raise ProgramNotFound(f"no program {program} in the system of record")
    try:
        today = local_date(now, found.timezone)
    except ValueError:
        raise ProgramMisconfigured(
            f"program {program} in the system of record has an unusable timezone"
        ) from None
    catalog = backends.sor.program_catalog(program, today=today)
    if catalog is None:
        raise ProgramNotFound(f"no program {program} in the system of record")
    return catalog
