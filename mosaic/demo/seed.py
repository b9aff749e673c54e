"""Fill the SoR with a realistic demo data set, deterministic for (members, seed, today)."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from mosaic.adapters.sor import schema
from mosaic.demo import catalog
from mosaic.demo.activity import (
    Booked,
    availability_rows,
    reservation_rows,
    tracking_rows,
    voucher_rows,
)
from mosaic.demo.codes import MAX_MEMBERS_PER_PROGRAM, ProgramCodes
from mosaic.demo.configuration import configuration_rows, offer_package_rows
from mosaic.demo.engage import engage_rows
from mosaic.demo.members import device_rows, new_member, transaction_rows
from mosaic.demo.network import Network, Row, build_network, network_rows, offer_rows, staff_rows

CHUNK = 5_000  # memberships per transaction
MEMBER_TABLES = (
    "memberships",
    "static_vouchers",
    "tracking_transactions",
    "reservations",
    "membership_transactions",
    "devices",
)


@dataclass(frozen=True)
class SeedReport:
    members: int
    seed: int
    today: date
    counts: Mapping[str, int]  # table name -> rows inserted
    seconds: float

    @property
    def total_rows(self) -> int:
        return sum(self.counts.values())


def program_sizes(members: int) -> dict[str, int]:
    """Members per program (50/30/20 %); refuses a program beyond its 5-digit activation codes."""
    if members < 0:
        raise ValueError("members must be 0 or more")
    sizes = {p.code: int(members * p.share) for p in catalog.PROGRAMS}
    sizes[catalog.PROGRAMS[0].code] += members - sum(sizes.values())
    for code, size in sizes.items():
        if size > MAX_MEMBERS_PER_PROGRAM:
            raise ValueError(
                f"{members} members would put {size} in program {code}: 5-digit activation "
                f"codes allow at most {MAX_MEMBERS_PER_PROGRAM} per program"
            )
    return sizes


def is_seeded(engine: sa.Engine) -> bool:
    """The SoR tables exist and hold at least one program."""
    if not sa.inspect(engine).has_table(schema.programs.name):
        return False
    with engine.connect() as conn:
        return conn.execute(sa.select(schema.programs.c.code).limit(1)).first() is not None


def add_missing_tables(engine: sa.Engine) -> list[str]:
    """Create the SoR tables a seeded demo SoR lacks (added by a later version, such as
    `sor_deletions`), empty, and name them; the tables it has are left as they are."""
    existing = set(sa.inspect(engine).get_table_names())
    missing = [table for table in schema.metadata.sorted_tables if table.name not in existing]
    with engine.begin() as conn:
        schema.metadata.create_all(conn, tables=missing)
    return [table.name for table in missing]


def seed_demo(
    engine: sa.Engine, *, members: int, seed: int, today: date, replace: bool = False
) -> SeedReport:
    """Create the SoR tables and fill them. An already seeded SoR is refused unless `replace`
    (which drops the SoR tables first)."""
    started = time.perf_counter()
    sizes = program_sizes(members)
    if is_seeded(engine) and not replace:
        raise ValueError("the SoR already holds data: seed with replace=True to start over")
    rng = random.Random(seed)
    counts: Counter[str] = Counter()
    with engine.connect() as conn, _fast_sqlite(conn):
        with conn.begin():
            schema.metadata.drop_all(conn)
            schema.metadata.create_all(conn)
        for spec in catalog.PROGRAMS:
            net = build_network(rng, spec, sizes[spec.code])
            _seed_program(conn, rng, net, seed, today, counts)
    tables = dict(counts) | {t: 0 for t in schema.metadata.tables if t not in counts}
    return SeedReport(members, seed, today, tables, time.perf_counter() - started)


@contextmanager
def _fast_sqlite(conn: sa.Connection) -> Iterator[None]:
    """On SQLite, WAL and no fsync while seeding; the synchronous setting is restored after."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA synchronous").scalar()
    conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    conn.exec_driver_sql("PRAGMA synchronous=OFF")
    conn.commit()
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA synchronous={int(before or 2)}")
        conn.commit()


def _seed_program(
    conn: sa.Connection,
    rng: random.Random,
    net: Network,
    seed: int,
    today: date,
    counts: Counter[str],
) -> None:
    with conn.begin():
        rows = network_rows(net, seed)
        rows["offers"] = offer_rows(rng, net, today)
        rows["offer_packages"] = offer_package_rows(net, rows["offers"])
        rows["program_configuration"] = configuration_rows(net.code, today)
        rows["staff"] = staff_rows(seed, net.code)
        _insert(conn, rows | engage_rows(rng, net, today), counts)
    codes = ProgramCodes(random.Random(rng.getrandbits(64)), net.members, net.spec.card_bin)
    member_rng = random.Random(rng.getrandbits(64))
    booked: Booked = Counter()
    for first in range(0, net.members, CHUNK):
        indexes = range(first, min(first + CHUNK, net.members))
        with conn.begin():
            chunk = _member_chunk(member_rng, net, today, codes, indexes, booked)
            _insert(conn, chunk, counts)
    with conn.begin():
        _insert(conn, {"room_availability": availability_rows(rng, net, today, booked)}, counts)


def _member_chunk(
    rng: random.Random,
    net: Network,
    today: date,
    codes: ProgramCodes,
    indexes: range,
    booked: Booked,
) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {name: [] for name in MEMBER_TABLES}
    for index in indexes:
        member, row = new_member(rng, net, today, codes, index)
        out["memberships"].append(row)
        out["static_vouchers"] += voucher_rows(rng, net, today, codes, member)
        out["tracking_transactions"] += tracking_rows(rng, net, today, member)
        out["reservations"] += reservation_rows(rng, net, today, member, booked)
        out["membership_transactions"] += transaction_rows(rng, net, today, member)
        out["devices"] += device_rows(rng, net, today, member)
    return out


def _insert(conn: sa.Connection, rows: Mapping[str, list[Row]], counts: Counter[str]) -> None:
    """Executemany per table, parents first (the dict's order)."""
    for name, table_rows in rows.items():
        if table_rows:
            conn.execute(schema.metadata.tables[name].insert(), table_rows)
            counts[name] += len(table_rows)
