"""Static vouchers read and (un)redeemed in the SoR itself: the fallback for a code with no
digital membership, and the writes the SoR requests' drain applies.

A change is applied exactly once per request id. One transaction first records the request in
`applied_requests` (its id the primary key), then updates the voucher on the condition that it
is in the state the change needs: a voucher redeemed by a racing request, or an id recorded
before, leaves the transaction with nothing to commit. Inserting before updating keeps the
transaction a writer from its first statement, so on SQLite it waits for the write lock (busy
timeout) instead of failing to upgrade a read snapshot, and on PostgreSQL and Oracle a racing
twin with the same id waits on the primary key and then fails on it: that duplicate is the
twin's ALREADY_APPLIED, never an error. A racing request with another id waits on the voucher's
row lock and then finds the row no longer matches its condition (both servers re-check the
WHERE clause of an UPDATE on the row's newest version): NOT_AVAILABLE.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

import sqlalchemy as sa

from mosaic.adapters.sor import schema as t
from mosaic.domain.records import SorVoucherHolding
from mosaic.ports.sor import RedeemOutcome, SorRequestKind

REQUEST_ID_LENGTH = 64

SorNow: TypeAlias = datetime | sa.ColumnElement[datetime]
"""The SoR's clock: a value (a SQLite file's clock) or the server's own, in SQL."""


@dataclass(frozen=True)
class AppliedRequest:
    """A request of the digital layer, as `applied_requests` records it."""

    request_id: str
    program: str
    kind: SorRequestKind
    requested_at: datetime

    def __post_init__(self) -> None:
        # Checked here, the same on every dialect: SQLite would store a longer id as it is.
        if not 0 < len(self.request_id) <= REQUEST_ID_LENGTH:
            raise ValueError(f"a request id has 1 to {REQUEST_ID_LENGTH} characters")
        if self.requested_at.utcoffset() is None:
            raise ValueError(f"a request's time must be aware, not {self.requested_at}")


def read_voucher(connection: sa.Connection, program: str, code: str) -> SorVoucherHolding | None:
    """The voucher, its membership and the program's timezone: one query by primary keys."""
    v, m, pr = t.static_vouchers.c, t.memberships.c, t.programs.c
    query = (
        sa.select(
            t.static_vouchers,
            m.status.label("membership_status"),
            m.starts_on,
            m.expires_on,
            m.package,
            pr.timezone,
        )
        .join(t.memberships, m.membership_number == v.membership_number)
        .join(t.programs, pr.code == v.program)
        .where(v.program == program, v.code == code)
    )
    row = connection.execute(query).first()
    return None if row is None else _holding(row)


def _holding(row: sa.Row[Any]) -> SorVoucherHolding:
    return SorVoucherHolding(
        program=row.program,
        code=row.code,
        type=row.type,
        hotel=row.hotel,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        status=row.status,
        redeemed_at=row.redeemed_at,
        redeemed_hotel=row.redeemed_hotel,
        redeemed_outlet=row.redeemed_outlet,
        membership_number=row.membership_number,
        membership_status=row.membership_status,
        starts_on=row.starts_on,
        expires_on=row.expires_on,
        package_code=row.package,
        timezone=row.timezone,
    )


def _voucher(program: str, code: str, status: str) -> sa.Update:
    v = t.static_vouchers.c
    return sa.update(t.static_vouchers).where(
        v.program == program, v.code == code, v.status == status
    )


def redemption(
    program: str, code: str, hotel: str, outlet: str | None, at: datetime, now: SorNow
) -> sa.Update:
    """An available voucher, redeemed at `hotel` and `outlet` at `at`."""
    return _voucher(program, code, "available").values(
        status="redeemed",
        redeemed_at=at,
        redeemed_hotel=hotel,
        redeemed_outlet=outlet,
        updated_at=now,
    )


def unredemption(program: str, code: str, now: SorNow) -> sa.Update:
    """A redeemed voucher, available again, its redemption's time and place cleared."""
    return _voucher(program, code, "redeemed").values(
        status="available",
        redeemed_at=None,
        redeemed_hotel=None,
        redeemed_outlet=None,
        updated_at=now,
    )


class _Unchanged(Exception):
    """The conditional update matched no row: the transaction is rolled back."""


def apply_once(
    engine: sa.Engine, request: AppliedRequest, change: sa.Update, now: SorNow
) -> RedeemOutcome:
    """`change` and the record of `request`, in one transaction, both or neither."""
    with engine.connect() as connection:
        try:
            with connection.begin():
                connection.execute(_record(request, now))
                if connection.execute(change).rowcount == 0:
                    raise _Unchanged
        except _Unchanged:
            return RedeemOutcome.NOT_AVAILABLE
        except sa.exc.IntegrityError:
            if _was_applied(connection, request.request_id):
                return RedeemOutcome.ALREADY_APPLIED
            raise
    return RedeemOutcome.APPLIED


def _record(request: AppliedRequest, now: SorNow) -> sa.Insert:
    return sa.insert(t.applied_requests).values(
        request_id=request.request_id,
        program=request.program,
        kind=request.kind.value,
        requested_at=request.requested_at,
        applied_at=now,
    )


def _was_applied(connection: sa.Connection, request_id: str) -> bool:
    a = t.applied_requests.c
    query = sa.select(a.request_id).where(a.request_id == request_id)
    return connection.execute(query).first() is not None
