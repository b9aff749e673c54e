"""Membership search on SQLite FTS5: word prefixes over the contact fields, exact filters."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mosaic.adapters.embedded.sqlite import SqliteDatabase
from mosaic.domain.membership import MembershipSummary
from mosaic.ports.search import FACETS, FILTERABLE, SearchPage

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS summaries (
        rowid INTEGER PRIMARY KEY,
        program TEXT NOT NULL,
        membership_number TEXT NOT NULL,
        sort_name TEXT NOT NULL,
        status TEXT NOT NULL,
        mode TEXT NOT NULL,
        tier TEXT,
        package TEXT NOT NULL,
        body TEXT NOT NULL,
        UNIQUE (program, membership_number)
    )""",
    "CREATE INDEX IF NOT EXISTS summaries_by_name ON summaries (program, sort_name)",
    """CREATE VIRTUAL TABLE IF NOT EXISTS summaries_text USING fts5(
        member_name, email, phone, card_number, membership_number, digits,
        tokenize = "unicode61 remove_diacritics 2"
    )""",
)
_MAX_PAGE_SIZE = 1000


class SqliteSearchIndex:
    def __init__(self, path: Path) -> None:
        self._db = SqliteDatabase(path, _SCHEMA)

    def close(self) -> None:
        self._db.close()

    def upsert(self, summaries: Sequence[MembershipSummary]) -> None:
        with self._db.transaction() as connection:
            for summary in summaries:
                _upsert(connection, summary)

    def delete(self, program: str, membership_number: str) -> None:
        with self._db.transaction() as connection:
            for (rowid,) in connection.execute(
                "DELETE FROM summaries WHERE program = ? AND membership_number = ? RETURNING rowid",
                (program, membership_number),
            ).fetchall():
                connection.execute("DELETE FROM summaries_text WHERE rowid = ?", (rowid,))

    def search(
        self,
        program: str,
        text: str | None,
        *,
        filters: Mapping[str, str] | None = None,
        page: int = 1,
        page_size: int = 20,
    ) -> SearchPage:
        if page < 1 or not 1 <= page_size <= _MAX_PAGE_SIZE:
            raise ValueError(f"page must be >= 1 and page_size 1-{_MAX_PAGE_SIZE}")
        where, parameters = _where(program, text, filters or {})
        with self._db.connect() as connection:
            (total,) = connection.execute(
                f"SELECT COUNT(*) FROM summaries WHERE {where}", parameters
            ).fetchone()
            rows = connection.execute(
                f"SELECT body FROM summaries WHERE {where} "
                "ORDER BY sort_name, membership_number LIMIT ? OFFSET ?",
                [*parameters, page_size, (page - 1) * page_size],
            ).fetchall()
            facets = {
                facet: {
                    str(value if value is not None else "none"): count
                    for value, count in connection.execute(
                        f"SELECT {facet}, COUNT(*) FROM summaries WHERE {where} "
                        f"GROUP BY {facet} ORDER BY COUNT(*) DESC, {facet}",
                        parameters,
                    )
                }
                for facet in FACETS
            }
        items = [MembershipSummary.model_validate(json.loads(body)) for (body,) in rows]
        return SearchPage(items=items, total=total, page=page, page_size=page_size, facets=facets)


def _upsert(connection: sqlite3.Connection, summary: MembershipSummary) -> None:
    body = json.dumps(
        summary.model_dump(mode="json", by_alias=True), separators=(",", ":"), ensure_ascii=False
    )
    (rowid,) = connection.execute(
        "INSERT INTO summaries (program, membership_number, sort_name, status, mode, tier, "
        "package, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (program, membership_number) DO UPDATE SET sort_name = excluded.sort_name, "
        "status = excluded.status, mode = excluded.mode, tier = excluded.tier, "
        "package = excluded.package, body = excluded.body RETURNING rowid",
        (
            summary.program,
            summary.membership_number,
            summary.member_name.casefold(),
            summary.status.value,
            summary.mode.value,
            summary.tier,
            summary.package.code,
            body,
        ),
    ).fetchone()
    # Digits alone as well, so "0812345678" finds "081-234-5678"; the activation code too.
    numbers = (summary.phone, summary.card_number, summary.activation_code)
    digits = " ".join(_digits(value) for value in numbers)
    connection.execute("DELETE FROM summaries_text WHERE rowid = ?", (rowid,))
    connection.execute(
        "INSERT INTO summaries_text (rowid, member_name, email, phone, card_number, "
        "membership_number, digits) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            rowid,
            summary.member_name,
            summary.email,
            summary.phone,
            summary.card_number,
            summary.membership_number,
            digits,
        ),
    )


def _where(program: str, text: str | None, filters: Mapping[str, str]) -> tuple[str, list[Any]]:
    conditions, parameters = ["program = ?"], [program]
    match = _match_expression(text or "")
    if match is not None:
        conditions.append(
            "rowid IN (SELECT rowid FROM summaries_text WHERE summaries_text MATCH ?)"
        )
        parameters.append(match)
    for key, value in filters.items():
        if key not in FILTERABLE:
            raise ValueError(f"cannot filter on {key!r}; filterable: {', '.join(FILTERABLE)}")
        conditions.append(f"{key} = ?")
        parameters.append(value)
    return " AND ".join(conditions), parameters


def _match_expression(text: str) -> str | None:
    """Every word as a quoted prefix, all required: user text is never FTS5 syntax."""
    # FTS5 reads its query as a C string: a NUL would cut it inside a quoted word.
    printable = "".join(char if char.isprintable() else " " for char in text)
    words = [word for word in printable.split() if any(char.isalnum() for char in word)]
    if not words:
        return None
    return " AND ".join('"' + word.replace('"', '""') + '"*' for word in words)


def _digits(value: str | None) -> str:
    return "".join(char for char in value or "" if char.isdigit())
