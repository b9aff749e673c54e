"""System of record port: the legacy relational database, never needed at request time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from mosaic.domain.program_records import SorCaller, SorProgramCatalog, SorProgramStatistics
from mosaic.domain.records import SorMembershipRecord, SorProgram, SorVoucherHolding


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


class SorRequestKind(StrEnum):
    """What a request applied to the SoR did, as `applied_requests.kind` records it."""

    REDEEM_STATIC_VOUCHER = "redeemStaticVoucher"
    UNREDEEM_STATIC_VOUCHER = "unredeemStaticVoucher"
    TRACKING = "tracking"
    """Spend a POS recorded at an outlet (applied by the drain job)."""


class RedeemOutcome(StrEnum):
    """What applying a static voucher (un)redemption to the SoR did."""

    APPLIED = "applied"
    """This request changed the voucher, and its id is recorded as applied."""
    ALREADY_APPLIED = "already_applied"
    """A request with this id was applied before (or by a racing twin): nothing changed."""
    NOT_AVAILABLE = "not_available"
    """The voucher is not in the state the change needs (redeemed by someone else, not
    redeemed, or no such voucher): nothing changed and the id is not recorded."""


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

    def callers(self, program: str) -> list[SorCaller]:
        """The program's POS agents and back-office staff with their keys' SHA-256 hex digests
        (`pos_agents`, `staff`), agents first, each by key hash: what the program refresh
        copies into the document store, so no request reads the SoR to check a key."""
        ...

    def static_voucher(self, program: str, code: str) -> SorVoucherHolding | None:
        """The program's static voucher `code` with its membership's number, status, dates and
        package and the program's timezone, in one query; None when the program has no such
        voucher. The fallback of a code with no digital membership (DESIGN section 5)."""
        ...

    def redeem_static_voucher(
        self,
        program: str,
        code: str,
        *,
        request_id: str,
        hotel: str,
        outlet: str | None,
        at: datetime,
    ) -> RedeemOutcome:
        """Redeem the available voucher at `hotel` (and `outlet`) at `at` (aware), exactly
        once per `request_id` (1 to 64 characters, chosen by the caller: an idempotency key,
        an `sorRequests` id; ValueError otherwise). In one SoR transaction, both or neither:
        the request recorded in `applied_requests`, and a conditional update
        (`status = 'available'`) stamping the voucher's `updated_at` by the SoR's clock. Of
        racing requests with different ids exactly one is APPLIED, the others NOT_AVAILABLE;
        a request id seen before (or racing with its twin) is ALREADY_APPLIED. Raises
        SorUnavailable when the SoR is down."""
        ...

    def unredeem_static_voucher(
        self, program: str, code: str, *, request_id: str, at: datetime
    ) -> RedeemOutcome:
        """Make the redeemed voucher available again (its redemption's time and place
        cleared), requested at `at`, exactly once per `request_id`, as
        `redeem_static_voucher` does (`status = 'redeemed'`): NOT_AVAILABLE when it is not
        redeemed."""
        ...

    def now(self) -> datetime:
        """The SoR's own clock (aware): the time its rows' `updated_at` are stamped in, which
        the hourly update measures its windows by, whatever this machine's clock says."""
        ...

    def probe(self) -> None:
        """A real query under the probe timeout; raises SorUnavailable."""
        ...
