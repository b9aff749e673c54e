"""Test data factories: SoR records and rows, and backends on the embedded adapters."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from mosaic.adapters.clock import FixedClock
from mosaic.adapters.embedded.documents import SqliteDocumentStore
from mosaic.adapters.embedded.notifier import OutboxNotifier
from mosaic.adapters.embedded.queue import SqliteQueue
from mosaic.adapters.embedded.search import SqliteSearchIndex
from mosaic.adapters.keyed_hash import HmacKeyedHash
from mosaic.adapters.sor import schema as t
from mosaic.adapters.sor.sql import SqlSystemOfRecord
from mosaic.adapters.tokens import JwtSessionTokens
from mosaic.domain.programs import first_program_document
from mosaic.domain.records import (
    SorMembership,
    SorMembershipRecord,
    SorProgram,
    SorStaticVoucher,
    SorTracking,
)
from mosaic.ports.documents import Container
from mosaic.services.backends import Backends, LoginPolicy

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
SECRET = "test-secret-that-is-long-enough-for-hs256"
_ids = itertools.count(1)


def sor_membership(**overrides: Any) -> SorMembership:
    fields: dict[str, Any] = dict(
        program="SIAM",
        membership_number="SIAM-0000001",
        activation_code="12345",
        card_number="4000123412341234",
        member_name="Ploy Srisuk",
        email="ploy@example.com",
        phone="+66811111111",
        package_code="SIAM-GOLD",
        package_name="Gold",
        status="active",
        starts_on=date(2026, 3, 1),
        expires_on=date(2027, 2, 28),
        updated_at=NOW - timedelta(days=30),
    )
    return SorMembership(**(fields | overrides))


def static_voucher(code: str = "54321", **overrides: Any) -> SorStaticVoucher:
    fields: dict[str, Any] = dict(
        code=code,
        type="food",
        hotel=None,
        valid_from=date(2026, 3, 1),
        valid_to=date(2027, 2, 28),
        status="available",
        updated_at=NOW - timedelta(days=30),
    )
    return SorStaticVoucher(**(fields | overrides))


def tracking(amount: str = "1250.50", **overrides: Any) -> SorTracking:
    fields: dict[str, Any] = dict(
        id=f"T{next(_ids)}",
        hotel="SIAM-H01",
        outlet="SIAM-H01-O1",
        amount=Decimal(amount),
        currency="THB",
        at=NOW - timedelta(days=10),
    )
    return SorTracking(**(fields | overrides))


def sor_record(**overrides: Any) -> SorMembershipRecord:
    record = SorMembershipRecord(
        program=SorProgram("SIAM", "Siam Signature", "THB", "Asia/Bangkok"),
        membership=sor_membership(),
        static_vouchers=[static_voucher()],
        tracking=[tracking()],
    )
    return replace(record, **overrides)


def sor_engine(tmp_path: Path) -> sa.Engine:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'sor.sqlite'}")
    t.metadata.create_all(engine)
    insert_program(engine)
    return engine


def insert_program(
    engine: sa.Engine,
    code: str = "SIAM",
    name: str = "Siam Signature",
    timezone: str = "Asia/Bangkok",
    currency: str = "THB",
) -> None:
    """A program and its Gold package (`<code>-GOLD`)."""
    with engine.begin() as c:
        c.execute(
            sa.insert(t.programs).values(code=code, name=name, currency=currency, timezone=timezone)
        )
        c.execute(
            sa.insert(t.packages).values(
                code=f"{code}-GOLD",
                program=code,
                name="Gold",
                price=Decimal("25000"),
                currency=currency,
                months=12,
            )
        )


def insert_member(engine: sa.Engine, record: SorMembershipRecord | None = None) -> SorMembership:
    """Put a membership and its vouchers and tracking into the SoR tables."""
    record = record or sor_record()
    m = record.membership
    with engine.begin() as c:
        c.execute(
            sa.insert(t.memberships).values(
                membership_number=m.membership_number,
                program=m.program,
                activation_code=m.activation_code,
                card_number=m.card_number,
                member_name=m.member_name,
                email=m.email,
                phone=m.phone,
                package=m.package_code,
                status=m.status,
                starts_on=m.starts_on,
                expires_on=m.expires_on,
                created_at=m.updated_at,
                updated_at=m.updated_at,
            )
        )
        for v in record.static_vouchers:
            c.execute(
                sa.insert(t.static_vouchers).values(
                    program=m.program,
                    code=v.code,
                    membership_number=m.membership_number,
                    type=v.type,
                    hotel=v.hotel,
                    valid_from=v.valid_from,
                    valid_to=v.valid_to,
                    status=v.status,
                    updated_at=v.updated_at,
                )
            )
        for x in record.tracking:
            c.execute(
                sa.insert(t.tracking_transactions).values(
                    id=x.id,
                    program=m.program,
                    membership_number=m.membership_number,
                    hotel=x.hotel,
                    outlet=x.outlet,
                    amount=x.amount,
                    currency=x.currency,
                    at=x.at,
                    updated_at=x.at,
                )
            )
    return m


def embedded_backends(
    tmp_path: Path,
    *,
    engine: sa.Engine | None = None,
    now: datetime = NOW,
    login_policy: LoginPolicy | None = None,
    wall_clock: FixedClock | None = None,
) -> Backends:
    wall_clock = wall_clock or FixedClock(now)
    return Backends(
        documents=SqliteDocumentStore(tmp_path / "documents.sqlite"),
        queue=SqliteQueue(tmp_path / "queues.sqlite"),
        search=SqliteSearchIndex(tmp_path / "search.sqlite"),
        # The SoR file's clock is this machine's: the test's wall clock.
        sor=SqlSystemOfRecord(engine or sor_engine(tmp_path), file_clock=wall_clock),
        notifier=OutboxNotifier(tmp_path / "outbox.sqlite"),
        clock=FixedClock(now),
        wall_clock=wall_clock,
        sessions=JwtSessionTokens(SECRET),
        keyed_hash=HmacKeyedHash(SECRET),
        login_policy=login_policy or LoginPolicy(),
    )


def store_program(backends: Backends, timezone: str = "Asia/Bangkok", code: str = "SIAM") -> None:
    """The program's document, as a first membership refresh leaves it."""
    row = SorProgram(code, "Siam Signature", "THB", timezone)
    document = first_program_document(row, NOW)
    backends.documents.upsert(Container.PROGRAMS, document.model_dump(mode="json", by_alias=True))
