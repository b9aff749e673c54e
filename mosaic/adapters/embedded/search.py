"""Membership search on SQLite FTS5: word prefixes over the contact fields, exact filters.

FTS5 stores the words `mosaic.domain.member_search` finds, not the raw fields, so a query
matches here exactly as it does on Azure AI Search.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mosaic.adapters.embedded.sqlite import SqliteDatabase
from mosaic.domain.member_search import summary_words, words
from mosaic.domain.membership import MembershipSummary
from mosaic.ports.search import FACETS, NO_TIER, SearchPage, check_search

_WORDS_TABLE = """CREATE VIRTUAL TABLE IF NOT EXISTS summary_words USING fts5(
    words, tokenize = "unicode61 remove_diacritics 0"
)"""
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
    _WORDS_TABLE,
)


class SqliteSearchIndex:
    def __init__(self, path: Path) -> None:
        self._db = SqliteDatabase(path, _SCHEMA, migrate=_index_words)

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
                connection.execute("DELETE FROM summary_words WHERE rowid = ?", (rowid,))

    def search(
        self,
        program: str,
        text: str | None,
        *,
        filters: Mapping[str, str] | None = None,
        page: int = 1,
        page_size: int = 20,
    ) -> SearchPage:
        skipped = check_search(filters or {}, page, page_size)
        where, parameters = _where(program, text, filters or {})
        with self._db.connect() as connection:
            (total,) = connection.execute(
                f"SELECT COUNT(*) FROM summaries WHERE {where}", parameters
            ).fetchone()
            rows = connection.execute(
                f"SELECT body FROM summaries WHERE {where} "
                "ORDER BY sort_name, membership_number LIMIT ? OFFSET ?",
                [*parameters, page_size, skipped],
            ).fetchall()
            facets = {
                facet: {
                    str(value if value is not None else NO_TIER): count
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
    _write_words(connection, rowid, summary)


def _write_words(connection: sqlite3.Connection, rowid: int, summary: MembershipSummary) -> None:
    connection.execute("DELETE FROM summary_words WHERE rowid = ?", (rowid,))
    connection.execute(
        "INSERT INTO summary_words (rowid, words) VALUES (?, ?)",
        (rowid, " ".join(summary_words(summary))),
    )


def _index_words(connection: sqlite3.Connection) -> None:
    """A file written before `summary_words` indexed the raw fields: index their words."""
    if not connection.execute(
        "SELECT 1 FROM sqlite_master WHERE name = 'summaries_text'"
    ).fetchone():
        return
    connection.execute("DROP TABLE summaries_text")
    connection.execute(_WORDS_TABLE)
    for rowid, body in connection.execute("SELECT rowid, body FROM summaries").fetchall():
        _write_words(connection, rowid, MembershipSummary.model_validate(json.loads(body)))


def _where(program: str, text: str | None, filters: Mapping[str, str]) -> tuple[str, list[Any]]:
    conditions, parameters = ["program = ?"], [program]
    match = _match_expression(text or "")
    if match is not None:
        conditions.append("rowid IN (SELECT rowid FROM summary_words WHERE summary_words MATCH ?)")
        parameters.append(match)
    for key, value in filters.items():
        conditions.append("COALESCE(tier, ?) = ?" if key == "tier" else f"{key} = ?")
        parameters.extend([NO_TIER, value] if key == "tier" else [value])
    return " AND ".join(conditions), parameters


def _match_expression(text: str) -> str | None:
    """Every word as a quoted prefix, all required: user text is never FTS5 syntax."""
    found = words(text)
    if not found:
        return None
    return " AND ".join(f'"{word}"*' for word in found)
