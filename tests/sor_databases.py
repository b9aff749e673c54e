"""Empty SoR databases for tests: a SQLite file, or a fresh database on the session's PostgreSQL,
and the address of each kind of server when it is down."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from mosaic.adapters.sor import schema
from tests.servers import Server, postgres_url

FAR_FROM_UTC = "Pacific/Kiritimati"
"""UTC+14, the PostgreSQL sessions' time zone: a query that reads the session's zone where it
means UTC gives itself away (a day, or a month, off)."""


@contextmanager
def sqlite_sor(directory: Path) -> Iterator[str]:
    """A SQLite file with the SoR's tables, in WAL mode as `demo seed` leaves the embedded SoR:
    a reader keeps its snapshot while a writer commits."""
    url = f"sqlite:///{directory / 'sor.sqlite'}"
    engine = sa.create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        schema.metadata.create_all(connection)
    yield url


@contextmanager
def postgres_sor(server: Server) -> Iterator[str]:
    """A new database with the SoR's tables: a copy of a template made once per server."""
    if server.port not in _templates:
        name = _templates[server.port] = f"sor_template_{uuid.uuid4().hex[:8]}"
        _admin(server, f"CREATE DATABASE {name}")
        schema.metadata.create_all(sa.create_engine(postgres_url(server, name), poolclass=NullPool))
    with postgres_database(server, template=_templates[server.port]) as url:
        yield url


_templates: dict[int, str] = {}


@contextmanager
def postgres_database(server: Server, template: str = "template1") -> Iterator[str]:
    """A new database on `server` (empty, or a copy of `template`), its sessions in
    FAR_FROM_UTC; dropped at the end."""
    name = f"sor_{uuid.uuid4().hex[:12]}"
    _admin(
        server,
        f"CREATE DATABASE {name} TEMPLATE {template}",
        f"ALTER DATABASE {name} SET timezone TO '{FAR_FROM_UTC}'",
    )
    try:
        yield postgres_url(server, name)
    finally:
        _admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _admin(server: Server, *statements: str) -> None:
    admin = sa.create_engine(postgres_url(server), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)


def unopenable_sqlite_url(directory: Path) -> str:
    """A SQLite URL whose path is a directory: SQLite cannot open it (SQLITE_CANTOPEN)."""
    (directory / "not-a-file.sqlite").mkdir()
    return f"sqlite:///{directory / 'not-a-file.sqlite'}"
