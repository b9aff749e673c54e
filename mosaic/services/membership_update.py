"""The hourly membership update (DESIGN section 1): refresh every membership whose SoR rows
changed since the last watermark.

Per program, a watermark document (`system` container, the program's partition) holds the
instant up to which changes were queued. A run reads the window `(watermark - OVERLAP, until]`,
`until` being the SoR's clock now, queues a refresh (reason `update`) for every membership with
a change, then advances the watermark to `until`. Queue first, advance after: a run that dies
in between queues the same refreshes again next time, which the queue trigger coalesces, and
never skips a row. What counts as a change is the SoR port's (adapters/sor/changes.py): a
feeding row written or deleted, or a campaign or offer starting or ending on a day begun in
the window; a change to an offer or a campaign concerns every full membership with a document.

Windows are measured in the SoR's own clock, the time it stamps its rows in, so a skew between
this machine's clock and the SoR's cannot make a run pass rows by. A row's `updated_at` is
stamped when its transaction writes it, not when it commits: a row of a transaction still open
when a run reads commits later with a stamp already behind that run's `until`. Each window
therefore reaches OVERLAP back before the watermark, and such a row is read by the next run,
as long as its transaction stayed open less than OVERLAP. A row in the overlap is read twice
and its membership refreshed twice: refreshes are idempotent, and the second one usually finds
nothing changed (`unchanged`) or is coalesced away.

The first run of a program, without a watermark, starts one hour back (the job's period):
older changes were refreshed by logins and imports, and reading all of history would queue
every membership at once.

Two instances may run the job at once (a timer and the control route): each advances the
watermark with a write conditional on the etag it read. The loser re-reads; it advances to
its own `until` only if that is later than what the winner wrote, so the watermark only moves
forward, and every row up to it was queued by one run or the other. A run whose `until` is not
past the stored watermark (a second run at the same instant) reads nothing.
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
OVERLAP = timedelta(minutes=15)
"""How far back before the watermark each window starts. A row is stamped when its SoR
transaction writes it and seen when it commits: a row stamped by a transaction that stays open
across a run commits behind that run's watermark, and only a window reaching back past its
stamp finds it. SoR write transactions (a batch job's included) last well under this; a
longer one would have its rows seen at their next change or the member's next login."""
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
    until = backends.sor.now()
    stored = read_or_none(backends.documents, Container.SYSTEM, program, WATERMARK_ID)
    if stored is None:
        since = until - FIRST_RUN_LOOKBACK
    else:
        watermark = _watermark(stored)
        since = watermark - OVERLAP
        if until <= watermark:
            return ProgramUpdate(program, since, until, 0, False, watermark)
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
            " (a program-wide change: every digital membership)" if changes.program_wide else "",
        )
    return ProgramUpdate(program, since, until, len(numbers), changes.program_wide, watermark)


def _to_refresh(backends: Backends, program: str, changes: SorChanges) -> set[str]:
    """The changed memberships; after a program-wide change (an offer, offer package or
    campaign written, deleted, starting or ending), also every full membership with a document.
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
