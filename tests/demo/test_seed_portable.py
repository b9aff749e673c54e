"""The demo generator on any SoR: `demo seed` fills a PostgreSQL SoR with the very rows it puts
in a SQLite one for the same seed, in bulk, with nothing Oracle would read differently."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from mosaic.adapters.sor import schema
from mosaic.demo.seed import seed_demo
from tests.servers import Servers
from tests.sor_databases import postgres_database
from tests.test_cli import _env, _mosaic

TODAY = date(2025, 3, 15)
MEMBERS, SEED = 30, 11


@pytest.fixture(scope="module")
def sqlite_seeded(tmp_path_factory: pytest.TempPathFactory) -> sa.Engine:
    engine = sa.create_engine(f"sqlite:///{tmp_path_factory.mktemp('sor') / 'sor.sqlite'}")
    seed_demo(engine, members=MEMBERS, seed=SEED, today=TODAY)
    return engine


def _rows(engine: sa.Engine, table: sa.Table) -> list[tuple[Any, ...]]:
    """Every row, in primary key order (sorted here: collations differ between servers)."""
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(sa.select(table))]
    keys = [list(table.columns).index(column) for column in table.primary_key]
    return sorted(rows, key=lambda row: [str(row[k]) for k in keys])


def _demo_seed(data_dir: Path, sor_url: str) -> subprocess.CompletedProcess[str]:
    env = _env(data_dir) | {"MOSAIC_SOR_URL": sor_url, "MOSAIC_NOW": f"{TODAY}T09:00:00+00:00"}
    return _mosaic(env, "demo", "seed", "--members", str(MEMBERS), "--seed", str(SEED))


def test_demo_seed_fills_postgresql_with_the_rows_of_the_sqlite_seed(
    tmp_path: Path, servers: Servers, sqlite_seeded: sa.Engine
) -> None:
    """Through the CLI, which then refreshes every program and starts the import: the
    catalog, statistics and started-memberships queries run on PostgreSQL too."""
    with postgres_database(servers.postgres()) as url:
        seeded = _demo_seed(tmp_path / "data", url)
        assert seeded.returncode == 0, seeded.stderr
        assert f"seeded {MEMBERS} members (seed {SEED}, today {TODAY})" in seeded.stdout
        assert "program documents refreshed: LUMA, ORCHID, SIAM" in seeded.stdout
        assert f": {MEMBERS} memberships queued for their refresh" in seeded.stdout
        postgres = sa.create_engine(url)
        for table in schema.metadata.sorted_tables:
            assert _rows(postgres, table) == _rows(sqlite_seeded, table), table.name
        postgres.dispose()


def test_each_table_is_inserted_in_bulk_not_row_by_row(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'sor.sqlite'}")
    inserts: list[bool] = []

    def count(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        if statement.startswith("INSERT"):
            inserts.append(many)

    sa.event.listen(engine, "before_cursor_execute", count)
    report = seed_demo(engine, members=MEMBERS, seed=SEED, today=TODAY)

    tables = len(report.counts) - list(report.counts.values()).count(0)
    assert report.total_rows > 4_000
    assert len(inserts) <= tables * 3  # one executemany per table and program (staff: once)
    # A table with one row for a program is one plain INSERT: `programs`, and the package
    # links of a short offer list; at most two such tables per program.
    assert len(inserts) - sum(inserts) <= 2 * 3


def test_no_text_is_empty_which_oracle_would_store_as_null(sqlite_seeded: sa.Engine) -> None:
    with sqlite_seeded.connect() as connection:
        for table in schema.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, sa.String):
                    empty = sa.select(sa.func.count()).where(column == "")
                    assert connection.execute(empty).scalar() == 0, column
