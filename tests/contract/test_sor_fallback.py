"""What the SoR answers directly when a code has no digital membership, and the callers' keys the
program refresh copies, on every kind of SoR database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import sqlalchemy as sa

from mosaic.adapters.sor import schema as t
from mosaic.demo.keys import key_hash
from mosaic.domain.program_records import SorCaller
from mosaic.domain.records import SorProgram, SorVoucherHolding
from mosaic.ports.sor import SystemOfRecord
from tests.factories import NOW, insert_member, insert_program, sor_membership, sor_record
from tests.factories import static_voucher as voucher_row
from tests.sor_rows import redeem_voucher


def _members(engine: sa.Engine) -> None:
    """SIAM's member with a network-wide food voucher and a room voucher of SIAM-H01; LUMA's
    member with a voucher of the same code."""
    insert_program(engine)
    insert_program(engine, "LUMA", "Luma Club", timezone="Asia/Singapore", currency="SGD")
    insert_member(
        engine,
        sor_record(
            static_vouchers=[
                voucher_row("54321"),
                voucher_row("123456789", type="room", hotel="SIAM-H01"),
            ]
        ),
    )
    luma = sor_membership(
        program="LUMA",
        membership_number="LUMA-0000001",
        card_number="4000999999999999",
        package_code="LUMA-GOLD",
        status="expired",
    )
    insert_member(
        engine,
        replace(
            sor_record(),
            program=SorProgram("LUMA", "Luma Club", "SGD", "Asia/Singapore"),
            membership=luma,
            static_vouchers=[voucher_row("54321", valid_to=date(2026, 6, 30))],
            tracking=[],
        ),
    )


def test_a_static_voucher_comes_with_its_membership_and_the_programs_timezone(
    sor_database: sa.Engine, sor: SystemOfRecord
) -> None:
    _members(sor_database)

    assert sor.static_voucher("SIAM", "123456789") == SorVoucherHolding(
        program="SIAM",
        code="123456789",
        type="room",
        hotel="SIAM-H01",
        valid_from=date(2026, 3, 1),
        valid_to=date(2027, 2, 28),
        status="available",
        redeemed_at=None,
        redeemed_hotel=None,
        redeemed_outlet=None,
        membership_number="SIAM-0000001",
        membership_status="active",
        starts_on=date(2026, 3, 1),
        expires_on=date(2027, 2, 28),
        package_code="SIAM-GOLD",
        timezone="Asia/Bangkok",
    )


def test_the_same_code_in_another_program_is_that_programs_voucher(
    sor_database: sa.Engine, sor: SystemOfRecord
) -> None:
    _members(sor_database)

    luma = sor.static_voucher("LUMA", "54321")

    assert luma is not None
    assert (luma.membership_number, luma.membership_status, luma.package_code) == (
        "LUMA-0000001",
        "expired",
        "LUMA-GOLD",
    )
    assert (luma.valid_to, luma.timezone) == (date(2026, 6, 30), "Asia/Singapore")
    assert sor.static_voucher("LUMA", "123456789") is None  # SIAM's, never LUMA's
    assert sor.static_voucher("NOPE", "54321") is None


def test_a_redeemed_static_voucher_says_when_and_where(
    sor_database: sa.Engine, sor: SystemOfRecord
) -> None:
    _members(sor_database)
    at = NOW - timedelta(days=2)
    redeem_voucher(sor_database, "54321", at, "SIAM-H02")

    holding = sor.static_voucher("SIAM", "54321")

    assert holding is not None
    assert (holding.status, holding.redeemed_at, holding.redeemed_hotel) == (
        "redeemed",
        at,
        "SIAM-H02",
    )


def _insert_callers(engine: sa.Engine) -> None:
    agents = [
        ("agent-bar", "SIAM", "SIAM-H01", "SIAM-H01-O1", "Riverside Bar POS"),
        ("agent-desk", "SIAM", "SIAM-H01", None, "Riverside Front Desk"),
        ("agent-luma", "LUMA", "LUMA-H01", "LUMA-H01-O1", "Luma POS"),
    ]
    staff = [
        ("staff-ann", "SIAM", "Ann", "backoffice"),
        ("staff-luma", "LUMA", "Lee", "reservations"),
    ]
    with engine.begin() as c:
        c.execute(
            sa.insert(t.pos_agents),
            [
                dict(key_hash=key_hash(k), program=p, hotel=h, outlet=o, name=n)
                for k, p, h, o, n in agents
            ],
        )
        c.execute(
            sa.insert(t.staff),
            [dict(key_hash=key_hash(k), program=p, name=n, role=r) for k, p, n, r in staff],
        )


def test_a_programs_callers_are_its_agents_then_its_staff_by_key_hash(
    sor_database: sa.Engine, sor: SystemOfRecord
) -> None:
    insert_program(sor_database)
    _insert_callers(sor_database)

    agents = sorted(
        [
            SorCaller(
                "agent",
                key_hash("agent-bar"),
                "SIAM",
                "Riverside Bar POS",
                "SIAM-H01",
                "SIAM-H01-O1",
            ),
            SorCaller("agent", key_hash("agent-desk"), "SIAM", "Riverside Front Desk", "SIAM-H01"),
        ],
        key=lambda caller: caller.key_hash,
    )
    assert sor.callers("SIAM") == [
        *agents,
        SorCaller("staff", key_hash("staff-ann"), "SIAM", "Ann", staff_role="backoffice"),
    ]
    assert [c.name for c in sor.callers("LUMA")] == ["Luma POS", "Lee"]
    assert sor.callers("NOPE") == []
