"""Portable column types and expressions of the SoR: the same answers on SQLite, PostgreSQL and
Oracle, whatever the server's or the session's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

ZONED_DIALECTS = frozenset({"postgresql"})
"""Where an instant is stored with its time zone (`timestamptz`). Elsewhere it is stored as UTC
digits: SQLite keeps only digits, and python-oracledb (thin) drops the offset of a bound value
and of a fetched TIMESTAMP WITH TIME ZONE, so an Oracle SoR keeps `TIMESTAMP` in UTC."""


class UtcStamp(sa.TypeDecorator[datetime]):
    """An instant: an aware datetime in, an aware UTC datetime out, on every dialect.

    A naive datetime is refused rather than guessed: PostgreSQL would read it in the session's
    time zone, SQLite and Oracle as UTC, and the same row would mean two instants."""

    impl = sa.DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name in ZONED_DIALECTS:
            return dialect.type_descriptor(sa.DateTime(timezone=True))
        if dialect.name == "oracle":  # its DateTime is DATE, which keeps whole seconds only
            return dialect.type_descriptor(sa.TIMESTAMP())
        return dialect.type_descriptor(sa.DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"an SoR instant must be timezone-aware, not {value.isoformat()}")
        utc = value.astimezone(UTC)
        return utc if dialect.name in ZONED_DIALECTS else utc.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def server_now(dialect: Dialect) -> sa.ColumnElement[datetime]:
    """The SoR server's current instant, to select or to stamp a UtcStamp column with in SQL.
    Oracle's CURRENT_TIMESTAMP is in the session's time zone, whose offset a `TIMESTAMP`
    column and python-oracledb (thin) would both drop: there it is taken in UTC digits
    (SYS_EXTRACT_UTC), as the SoR keeps instants. PostgreSQL's is a `timestamptz`."""
    if dialect.name == "oracle":
        return sa.func.sys_extract_utc(sa.func.current_timestamp(), type_=sa.DateTime())
    return sa.func.current_timestamp(type_=sa.DateTime())
