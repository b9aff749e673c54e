from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from mosaic.adapters.embedded.search import SqliteSearchIndex
from tests.contract.test_search_index import summary


def test_a_file_of_the_raw_field_layout_is_reindexed_by_words_on_open(tmp_path: Path) -> None:
    path = tmp_path / "search.sqlite"
    member = summary("P1", "M0001", "José Müller", phone="081-234-5678")
    with sqlite3.connect(path) as old:
        old.execute(
            "CREATE TABLE summaries (rowid INTEGER PRIMARY KEY, program TEXT, "
            "membership_number TEXT, sort_name TEXT, status TEXT, mode TEXT, tier TEXT, "
            "package TEXT, body TEXT, UNIQUE (program, membership_number))"
        )
        old.execute("CREATE VIRTUAL TABLE summaries_text USING fts5(member_name, digits)")
        old.execute(
            "INSERT INTO summaries VALUES (1, 'P1', 'M0001', 'josé müller', 'active', 'full', "
            "NULL, 'GOLD', ?)",
            (json.dumps(member.model_dump(mode="json", by_alias=True)),),
        )
    old.close()

    index = SqliteSearchIndex(path)
    try:
        assert index.search("P1", "jose 0812").items == [member]
    finally:
        index.close()
