"""Which memberships' SoR rows changed in a time window: the hourly update's query; which
memberships started in a period: the import's.

Every table that feeds a membership document has `updated_at` indexed with the program, so
each part is one range scan of an index; the membership tables are read as one UNION, the
program-wide offers as one EXISTS. Never a query per membership.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from mosaic.adapters.sor import schema as t
from mosaic.ports.sor import SorChanges

MEMBERSHIP_TABLES = (
    t.memberships,
    t.static_vouchers,
    t.tracking_transactions,
    t.reservations,
    t.membership_transactions,
    t.devices,
)
"""The tables whose rows belong to one membership (a `membership_number` column)."""

PROGRAM_WIDE_TABLES = (t.offers, t.offer_packages, t.dynamic_voucher_campaigns)
"""The tables whose rows concern every membership of the program."""


def _stamp(value: datetime) -> datetime:
    """The SoR stores UTC; SQLite keeps the digits only, so the bound value must be UTC."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"a change window needs aware instants, not {value.isoformat()}")
    return value.astimezone(UTC)


def _in_window(
    table: sa.Table, program: str, since: datetime, until: datetime
) -> sa.ColumnElement[bool]:
    return sa.and_(
        table.c.program == program,
        table.c.updated_at > since,
        table.c.updated_at <= until,
    )


def read_changes(
    connection: sa.Connection, program: str, since: datetime, until: datetime
) -> SorChanges:
    """The memberships of `program` with a feeding row updated in `(since, until]`, and
    whether an offer was: two statements, meant for one read transaction."""
    since, until = _stamp(since), _stamp(until)
    numbers = sa.union(
        *(
            sa.select(table.c.membership_number).where(_in_window(table, program, since, until))
            for table in MEMBERSHIP_TABLES
        )
    )
    changed = frozenset(str(row[0]) for row in connection.execute(numbers))
    anywhere = sa.or_(
        *(
            sa.exists().where(_in_window(table, program, since, until))
            for table in PROGRAM_WIDE_TABLES
        )
    )
    program_wide = connection.execute(sa.select(sa.literal(1)).where(anywhere)).first() is not None
    return SorChanges(membership_numbers=changed, program_wide=program_wide)


def read_started(connection: sa.Connection, first: date, last: date) -> dict[str, list[str]]:
    """The membership numbers, by program, whose `starts_on` is in `[first, last]`: one
    statement (a range of the `(program, starts_on)` index per program)."""
    m = t.memberships.c
    rows = connection.execute(
        sa.select(m.program, m.membership_number)
        .where(m.starts_on >= first, m.starts_on <= last)
        .order_by(m.program, m.membership_number)
    )
    started: dict[str, list[str]] = {}
    for program, number in rows:
        started.setdefault(str(program), []).append(str(number))
    return started
