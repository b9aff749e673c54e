"""System of record port: the legacy relational database, never needed at request time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from mosaic.domain.program_records import SorProgramCatalog, SorProgramStatistics
from mosaic.domain.records import SorMembershipRecord, SorProgram


class SorUnavailable(Exception):
    """The SoR did not answer (down, timed out, refused)."""


@dataclass(frozen=True)
class SorChanges:
    """What changed in one program's SoR rows in a time window: the memberships whose own
    rows were written or deleted, and whether something program-wide changed (an offer, an
    offer package or a campaign written or deleted, or one that started or ended on a day
    begun in the window), which concerns every membership of the program and is answered as
    a flag rather than as every member."""

    membership_numbers: frozenset[str]
    program_wide: bool = False


class SystemOfRecord(Protocol):
    def find_membership_number(self, program: str, activation_code: str) -> str | None: ...

    def program(self, code: str) -> SorProgram | None:
        """The program's name, currency and timezone."""
        ...

    def membership_record(
        self, program: str, membership_number: str, *, history_since: datetime
    ) -> SorMembershipRecord | None:
        """The membership with its vouchers, offers, and transactions since history_since,
        an aware instant whose own timezone's date bounds the date columns (check-in,
        offer validity); membership transactions: all of them."""
        ...

    def program_codes(self) -> list[str]:
        """Every program the SoR knows."""
        ...

    def membership_changes(self, program: str, *, since: datetime, until: datetime) -> SorChanges:
        """What changed in `program` in `(since, until]` (aware instants): feeding rows with
        an `updated_at` or a deletion (`sor_deletions`) in the window, and campaigns or offers
        whose first day or first day after their end began in it, in the program's timezone;
        from set-based queries in one read transaction."""
        ...

    def memberships_started(self, *, first: date, last: date) -> dict[str, list[str]]:
        """The membership numbers, by program, of every membership whose `starts_on` falls
        in `[first, last]`: one set-based query, numbers in order."""
        ...

    def program_catalog(self, program: str, *, today: date) -> SorProgramCatalog | None:
        """The program with its hotels, outlets and the offers valid `today` or later."""
        ...

    def program_statistics(self, program: str, *, since: date) -> SorProgramStatistics:
        """The program's figures from `since`, each from one set-based query."""
        ...

    def now(self) -> datetime:
        """The SoR's own clock (aware): the time its rows' `updated_at` are stamped in, which
        the hourly update measures its windows by, whatever this machine's clock says."""
        ...

    def probe(self) -> None:
        """A real query under the probe timeout; raises SorUnavailable."""
        ...
