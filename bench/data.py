"""The benchmark's data directory and environment, the seeded SoR, the login candidates."""

from __future__ import annotations

import os
import random
import secrets
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from mosaic import bootstrap
from mosaic.adapters.sor import schema
from mosaic.demo.seed import seed_demo
from mosaic.settings import get_settings

SEED = 7
FAILURES_ALLOWED = 1_000_000_000  # throttling must not interfere


@dataclass(frozen=True)
class Seeded:
    members: int
    rows: int
    seconds: float


def data_dir(keep: Path | None) -> tuple[Path, bool]:
    """The data directory, and whether it is a temporary one to remove at the end."""
    if keep is None:
        return Path(tempfile.mkdtemp(prefix="mosaic-bench-")), True
    if keep.exists() and any(keep.iterdir()):
        raise ValueError(f"--keep {keep}: give an empty or missing directory")
    keep.mkdir(parents=True, exist_ok=True)
    return keep.resolve(), False


def configure(data: Path, *, sor: Path | None = None) -> None:
    """Point the app at `data` alone (and its SoR at `sor`, by default `data/sor.sqlite`):
    every MOSAIC_* variable of the caller is dropped (no MOSAIC_NOW, no other backend), then
    the cached settings and backends are forgotten."""
    for name in [name for name in os.environ if name.startswith("MOSAIC_")]:
        del os.environ[name]
    os.environ.update(
        {
            "MOSAIC_DATA_DIR": str(data),
            "MOSAIC_SOR_URL": f"sqlite:///{sor or data / 'sor.sqlite'}",
            "MOSAIC_TOKEN_SECRET": secrets.token_hex(20),
            "MOSAIC_LOGIN_FAILURES_ALLOWED": str(FAILURES_ALLOWED),
        }
    )
    get_settings.cache_clear()
    bootstrap.backends.cache_clear()


def seed(members: int) -> Seeded:
    engine = bootstrap.sor_engine(get_settings())
    try:
        report = seed_demo(engine, members=members, seed=SEED, today=datetime.now(UTC).date())
    finally:
        engine.dispose()
    return Seeded(members, report.total_rows, report.seconds)


def candidates(count: int) -> list[tuple[str, str]]:
    """(program, activation code) of `count` active members, the same sample every run."""
    m = schema.memberships
    query = (
        sa.select(m.c.program, m.c.activation_code)
        .where(m.c.status == "active")
        .order_by(m.c.membership_number)
    )
    engine = bootstrap.sor_engine(get_settings())
    try:
        with engine.connect() as conn:
            rows = [(str(program), str(code)) for program, code in conn.execute(query)]
    finally:
        engine.dispose()
    return random.Random(SEED).sample(rows, min(count, len(rows)))


def sqlite_files(data: Path) -> dict[str, int]:
    """Bytes of each SQLite file (WAL and shared-memory files included) in the data dir."""
    return {path.name: path.stat().st_size for path in sorted(data.glob("*.sqlite*"))}
