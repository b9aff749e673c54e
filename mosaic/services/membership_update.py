"""The hourly membership update (DESIGN section 1): refresh every membership whose SoR rows
changed since the last watermark.

Per program, a watermark document (`system` container, the program's partition) holds the
instant up to which changes were queued. A run reads the window `(watermark, until]`, queues a
refresh (reason `update`) for every membership with a changed row, then advances the
watermark to `until`. Queue first, advance after: a run that dies in between queues the same
refreshes again next time, which the queue trigger coalesces, and never skips a row.

`until` is the SoR's own clock minus SAFETY_LAG: windows are measured in the time the SoR
stamps its rows in, so a skew between this machine's clock and the SoR's cannot make a run
pass rows by. A row's `updated_at` is stamped when its
transaction writes it, not when it commits: a transaction still open when the run queries
commits a row whose `updated_at` is already behind the wall clock, and a window ending at
"now" would have passed it by for good. The lag leaves such rows to the next run; it must
exceed how long an SoR write transaction stays open (seconds). Rows are then read at most one
run late, never lost.

The first run of a program, without a watermark, starts one hour back (the job's period):
older changes were refreshed by logins and imports, and reading all of history would queue
every membership at once.

Two instances may run the job at once (a timer and the control route): each advances the
watermark with a write conditional on the etag it read. The loser re-reads; it advances to
its own `until` only if that is later than what the winner wrote, so the watermark only moves
forward, and every row up to it was queued by one run or the other.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from mosaic.domain.errors import ConcurrentUpdate, SystemOfRecordUnavailable
from mosaic.domain.membership import MembershipMode
from mosaic.ports.documents import (
    Container,
    DocumentAlreadyExists,
    DocumentNotFound,
    StaleDocument,
    StoredDocument,
    Where,
)
from mosaic.ports.sor import SorChanges, SorUnavailable
from mosaic.services.backends import Backends
from mosaic.services.documents import read_or_none
from mosaic.services.refresh_requests import RefreshReason, request_refresh

WATERMARK_ID = "watermark:membership-update"
SAFETY_LAG = timedelta(seconds=5)
FIRST_RUN_LOOKBACK = timedelta(hours=1)
WATERMARK_ATTEMPTS = 8
log = logging.getLogger("mosaic.update")


@dataclass(frozen=True)
class ProgramUpdate:
    program: str
    since: datetime
    until: datetime
    queued: int
    program_wide: bool
    watermark: datetime
    """The stored watermark after the run: `until`, or later when another run got further."""


@dataclass(frozen=True)
class UpdateReport:
    programs: list[ProgramUpdate]

    @property
    def queued(self) -> int:
        return sum(update.queued for update in self.programs)


def update_memberships(backends: Backends) -> UpdateReport:
    """Queue the refresh of every membership whose SoR rows changed since each program's
    watermark, and advance the watermarks. Raises SystemOfRecordUnavailable."""
    try:
        codes = backends.sor.program_codes()
        return UpdateReport([update_program(backends, code) for code in codes])
    except SorUnavailable as error:
        raise SystemOfRecordUnavailable("the system of record is not answering") from error


def update_program(backends: Backends, program: str) -> ProgramUpdate:
    """One program's update; raises SorUnavailable (nothing advanced)."""
    now = backends.sor.now()
    until = now - SAFETY_LAG
    stored = read_or_none(backends.documents, Container.SYSTEM, program, WATERMARK_ID)
    since = _watermark(stored) if stored is not None else now - FIRST_RUN_LOOKBACK
    if until <= since:
        return ProgramUpdate(program, since, until, 0, False, since)
    changes = backends.sor.membership_changes(program, since=since, until=until)
    numbers = _to_refresh(backends, program, changes)
    for number in sorted(numbers):
        request_refresh(backends, program, number, RefreshReason.UPDATE)
    watermark = _advance(backends, program, stored, until)
    if numbers:
        log.info(
            "update of %s: %d refreshes queued for (%s, %s]%s",
            program,
            len(numbers),
            since.isoformat(),
            until.isoformat(),
            " (an offer changed: every digital membership)" if changes.program_wide else "",
        )
    return ProgramUpdate(program, since, until, len(numbers), changes.program_wide, watermark)


def _to_refresh(backends: Backends, program: str, changes: SorChanges) -> set[str]:
    """The changed memberships; after an offer change, also every membership with a document.
    A membership without one reads the offers when it is first built, so it needs nothing."""
    numbers = set(changes.membership_numbers)
    if changes.program_wide:
        numbers.update(
            document.id
            for document in backends.documents.iterate(
                Container.MEMBERSHIPS,
                program,
                where=[Where("meta.mode", "=", MembershipMode.FULL.value)],
                page_size=500,
            )
        )
    return numbers


def _watermark(stored: StoredDocument) -> datetime:
    return datetime.fromisoformat(str(stored.body["watermark"]))


def _advance(
    backends: Backends, program: str, stored: StoredDocument | None, until: datetime
) -> datetime:
    """Store `until` as the watermark unless a later one is stored: a conditional write on
    the etag read, re-read and retried when another run wrote meanwhile. Returns the stored
    watermark."""
    body = {
        "id": WATERMARK_ID,
        "program": program,
        "kind": "watermark",
        "watermark": until.isoformat(),
    }
    for _ in range(WATERMARK_ATTEMPTS):
        try:
            if stored is None:
                backends.documents.create(Container.SYSTEM, body)
                return until
            current = _watermark(stored)
            if current >= until:
                return current
            backends.documents.replace(Container.SYSTEM, body, if_match=stored.etag)
            return until
        except (DocumentAlreadyExists, StaleDocument, DocumentNotFound):
            stored = read_or_none(backends.documents, Container.SYSTEM, program, WATERMARK_ID)
    raise ConcurrentUpdate(f"the update watermark of {program} kept changing under this run")
