"""Refreshing one digital program from the SoR (the 8-hourly job, and on request): its
catalog, and its statistics of the last 12 months; what the digital side owns is kept."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime

from mosaic.domain.base import CamelModel
from mosaic.domain.calendar import history_start, local_date
from mosaic.domain.errors import (
    DocumentFromNewerSchema,
    ProgramMisconfigured,
    ProgramNotFound,
    SystemOfRecordUnavailable,
)
from mosaic.domain.program import DigitalProgram
from mosaic.domain.program_records import SorProgramCatalog
from mosaic.domain.programs import build_program
from mosaic.ports.documents import Container, JsonDocument, StoredDocument
from mosaic.ports.sor import SorUnavailable
from mosaic.services.backends import Backends
from mosaic.services.documents import load, update_with_retries
from mosaic.services.programs import forget_timezone
from mosaic.services.refresh_log import RefreshReport, log_refresh

PROGRAM_REFRESH_QUEUE = "program-refresh"


class ProgramRefreshRequest(CamelModel):
    """The `program-refresh` queue message."""

    program: str
    reason: str
    requested_at: AwareDatetime


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


def refresh_program(backends: Backends, program: str, reason: str) -> DigitalProgram:
    """Rebuild the program document; a failed refresh leaves the stored one as it was and
    is logged with its outcome."""
    report = RefreshReport(program, "program", program, reason, backends.clock.now())
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
    finally:
        log_refresh(backends, report)


def _refresh(backends: Backends, program: str) -> DigitalProgram:
    now = backends.clock.now()
    try:
        catalog = _catalog(backends, program, now)
        timezone = catalog.program.timezone
        since = history_start(now, timezone).date()
        statistics = backends.sor.program_statistics(program, since=since)
    except SorUnavailable as error:
        raise SystemOfRecordUnavailable("the system of record is not answering") from error
    built: list[DigitalProgram] = []

    def decide(current: StoredDocument | None) -> JsonDocument:
        existing = load(DigitalProgram, current) if current else None
        built.append(build_program(catalog, statistics, existing, now))
        return built[-1].model_dump(mode="json", by_alias=True)

    update_with_retries(backends.documents, Container.PROGRAMS, program, program, decide)
    forget_timezone(backends, program)
    return built[-1]


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
