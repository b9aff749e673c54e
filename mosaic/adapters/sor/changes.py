"""Which memberships' SoR rows changed in a time window: the hourly update's query; which
memberships started in a period: the import's.

A membership document follows three kinds of SoR change, each read set-based, in one read
transaction, never with a query per membership:

- **A row written**: every table that feeds a document has `updated_at`, indexed with the
  program, so each is one range scan of an index; the membership tables are read as one
  UNION, the program-wide ones (offers, offer packages, campaigns) as one EXISTS.
- **A row deleted**: a deleted row leaves no `updated_at`, so the SoR keeps a tombstone of it
  in `sor_deletions` (program, table name, row key, the membership it belonged to, deleted_at),
  indexed by (program, deleted_at). The SoR writes it in the transaction that deletes a row
  of a table named in MEMBERSHIP_TABLES or PROGRAM_WIDE_TABLES: in production a delete
  trigger on each of those tables (or the legacy application's delete path) inserts it with
  the SoR's own clock; here the test row factories that delete write it. A tombstone with a
  membership number marks that membership changed; one without (an offer, an offer package,
  a campaign) is program-wide. Tombstones older than the update's window are of no further
  use and may be purged by the SoR (a day's worth is ample).
- **A day begun**: nothing is written when a campaign or an offer starts or ends, yet the
  documents must follow on the day it does. A campaign or offer whose first day
  (`valid_from`) or first day after its end (`valid_to` + 1) began within the window, in the
  program's timezone, is program-wide. The days are worked out here, from the window's
  instants and the program's zone (calendar.days_begun), and compared as plain dates in SQL,
  so no dialect's date arithmetic is needed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from mosaic.adapters.sor import schema as t
from mosaic.domain.calendar import days_begun
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

DATED_TABLES = (t.offers, t.dynamic_voucher_campaigns)
"""The program-wide tables whose rows start and end on a business date (`valid_from`,
`valid_to`, inclusive)."""

_ONE_DAY = timedelta(days=1)


def _stamp(value: datetime) -> datetime:
    """The SoR stores UTC; SQLite keeps the digits only, so the bound value must be UTC."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"a change window needs aware instants, not {value.isoformat()}")
    return value.astimezone(UTC)


def _in_window(
    table: sa.Table, program: str, since: datetime, until: datetime, stamp: str = "updated_at"
) -> sa.ColumnElement[bool]:
    return sa.and_(
        table.c.program == program,
        table.c[stamp] > since,
        table.c[stamp] <= until,
    )


def _deleted(program: str, since: datetime, until: datetime) -> sa.ColumnElement[bool]:
    return _in_window(t.sor_deletions, program, since, until, stamp="deleted_at")


def _begun(table: sa.Table, program: str, first: date, last: date) -> sa.ColumnElement[bool]:
    """A row of `table` whose first day, or first day after its end, is in `[first, last]`."""
    return sa.and_(
        table.c.program == program,
        sa.or_(
            sa.and_(table.c.valid_from >= first, table.c.valid_from <= last),
            sa.and_(table.c.valid_to >= first - _ONE_DAY, table.c.valid_to <= last - _ONE_DAY),
        ),
    )


def read_changes(
    connection: sa.Connection, program: str, since: datetime, until: datetime
) -> SorChanges:
    """The memberships of `program` with a feeding row written or deleted in `(since, until]`,
    and whether a program-wide row was, or a campaign or offer started or ended on a day
    begun then: three statements, meant for one read transaction."""
    since, until = _stamp(since), _stamp(until)
    written = (
        sa.select(table.c.membership_number).where(_in_window(table, program, since, until))
        for table in MEMBERSHIP_TABLES
    )
    d = t.sor_deletions.c
    deleted = sa.select(d.membership_number).where(
        _deleted(program, since, until), d.membership_number.is_not(None)
    )
    numbers = sa.union(*written, deleted)
    changed = frozenset(str(row[0]) for row in connection.execute(numbers))
    anywhere = [
        *(
            sa.exists().where(_in_window(table, program, since, until))
            for table in PROGRAM_WIDE_TABLES
        ),
        sa.exists().where(_deleted(program, since, until), d.membership_number.is_(None)),
    ]
    days = _days_begun(connection, program, since, until)
    if days is not None:
        anywhere += [sa.exists().where(_begun(table, program, *days)) for table in DATED_TABLES]
    found = connection.execute(sa.select(sa.literal(1)).where(sa.or_(*anywhere))).first()
    return SorChanges(membership_numbers=changed, program_wide=found is not None)


def _days_begun(
    connection: sa.Connection, program: str, since: datetime, until: datetime
) -> tuple[date, date] | None:
    """The program's business days that began in the window (None for an unknown program)."""
    pr = t.programs.c
    timezone = connection.execute(sa.select(pr.timezone).where(pr.code == program)).scalar()
    return None if timezone is None else days_begun(since, until, str(timezone))


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
