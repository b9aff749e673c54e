"""The SoR port's reads of programs and memberships, on every kind of SoR database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from mosaic.adapters.sor import schema as t
from mosaic.domain.records import (
    SorCampaign,
    SorMembershipTransaction,
    SorOffer,
    SorProgram,
    SorReservation,
)
from mosaic.ports.sor import SystemOfRecord
from tests.factories import (
    NOW,
    insert_member,
    insert_program,
    sor_membership,
    sor_record,
    static_voucher,
    tracking,
)
from tests.sor_rows import (
    insert_bare_member,
    insert_campaign,
    insert_membership_transaction,
    insert_offer,
    insert_reservation,
)

BANGKOK = ZoneInfo("Asia/Bangkok")
SINCE = datetime(2026, 11, 1, 0, 30, tzinfo=BANGKOK)
"""History from 1 November in Bangkok, which is still 31 October in UTC (17:30)."""
OLD = NOW - timedelta(days=30)
LUMA = SorProgram("LUMA", "Luma Rewards", "AED", "Asia/Dubai")


def _two_programs(engine: sa.Engine) -> None:
    insert_program(engine)
    insert_program(engine, LUMA.code, LUMA.name, LUMA.timezone, LUMA.currency)


def test_an_empty_sor_knows_no_program(sor: SystemOfRecord) -> None:
    assert sor.program_codes() == []
    assert sor.program("SIAM") is None


def test_programs_are_listed_in_code_order_with_name_currency_and_timezone(
    sor_database: sa.Engine, sor: SystemOfRecord
) -> None:
    _two_programs(sor_database)
    assert sor.program_codes() == ["LUMA", "SIAM"]
    assert sor.program("LUMA") == LUMA
    assert sor.program("ORCHID") is None


def test_an_activation_code_finds_the_membership_of_its_own_program_only(
    sor_database: sa.Engine, sor: SystemOfRecord
) -> None:
    _two_programs(sor_database)
    insert_bare_member(sor_database, "SIAM-0000001", "12345", OLD)
    insert_bare_member(
        sor_database, "LUMA-0000001", "12345", OLD, program="LUMA", package_code="LUMA-GOLD"
    )
    assert sor.find_membership_number("SIAM", "12345") == "SIAM-0000001"
    assert sor.find_membership_number("LUMA", "12345") == "LUMA-0000001"
    assert sor.find_membership_number("SIAM", "54321") is None
    assert sor.find_membership_number("ORCHID", "12345") is None


def test_an_unknown_membership_or_one_of_another_program_has_no_record(
    sor_database: sa.Engine, sor: SystemOfRecord
) -> None:
    _two_programs(sor_database)
    insert_member(sor_database)
    assert sor.membership_record("SIAM", "SIAM-0000404", history_since=SINCE) is None
    assert sor.membership_record("LUMA", "SIAM-0000001", history_since=SINCE) is None


def test_the_record_holds_the_membership_its_program_and_its_vouchers_in_code_order(
    sor_database: sa.Engine, sor: SystemOfRecord
) -> None:
    insert_program(sor_database)
    vouchers = [static_voucher("987654321", hotel="SIAM-H01"), static_voucher("12345")]
    record = replace(sor_record(), static_vouchers=vouchers, tracking=[])
    insert_member(sor_database, record)

    found = sor.membership_record("SIAM", "SIAM-0000001", history_since=SINCE)

    assert found is not None
    assert found.program == SorProgram("SIAM", "Siam Signature", "THB", "Asia/Bangkok")
    assert found.membership == sor_membership()
    assert found.static_vouchers == sorted(vouchers, key=lambda v: v.code)


def test_history_starts_at_the_instant_and_at_its_own_timezones_date(
    sor_database: sa.Engine, sor: SystemOfRecord
) -> None:
    """Tracking from the instant itself; reservations, offers and campaigns from its date in
    its own zone (1 November here, though the instant is 31 October in UTC)."""
    insert_program(sor_database)
    spends = [
        tracking(id="T-BEFORE", at=SINCE - timedelta(seconds=1)),
        tracking(id="T-AT", at=SINCE),
        tracking(id="T-LATER", at=NOW - timedelta(days=1)),
    ]
    insert_member(sor_database, replace(sor_record(), tracking=spends))
    for day in (31, 1):
        check_in = date(2026, 10, 31) if day == 31 else date(2026, 11, 1)
        insert_reservation(sor_database, f"R{day}", check_in, OLD)
        insert_offer(sor_database, f"O{day}", date(2026, 1, 1), check_in, OLD)
        insert_campaign(sor_database, f"C{day}", date(2026, 1, 1), check_in, OLD)

    found = sor.membership_record("SIAM", "SIAM-0000001", history_since=SINCE)

    assert found is not None
    assert [x.id for x in found.tracking] == ["T-AT", "T-LATER"]
    assert found.reservations == [
        SorReservation(
            "R1", "SIAM-H01", date(2026, 11, 1), 2, Decimal("9000.00"), "THB", "confirmed", OLD, OLD
        )
    ]
    assert found.offers == [
        SorOffer("O1", "Offer O1", None, date(2026, 1, 1), date(2026, 11, 1), OLD)
    ]
    assert found.campaigns == [
        SorCampaign(
            "C1", "Campaign C1", "food", None, "all", date(2026, 1, 1), date(2026, 11, 1), OLD
        )
    ]


def test_tracking_comes_with_its_amount_in_cents_and_its_instants_in_utc(
    sor_database: sa.Engine, sor: SystemOfRecord
) -> None:
    insert_program(sor_database)
    at = datetime(2026, 11, 20, 23, 45, 12, 345678, tzinfo=BANGKOK)  # written in Bangkok time
    spend = tracking(id="T1", amount="1250.5", at=at)
    insert_member(sor_database, replace(sor_record(), tracking=[spend]))

    found = sor.membership_record("SIAM", "SIAM-0000001", history_since=SINCE)

    assert found is not None
    [read] = found.tracking
    assert read == replace(spend, amount=Decimal("1250.50"), updated_at=at)
    assert str(read.amount) == "1250.50"
    assert read.at.tzinfo == UTC
    assert read.at.replace(tzinfo=None) == datetime(2026, 11, 20, 16, 45, 12, 345678)


def test_membership_transactions_are_all_there_however_old_in_time_order(
    sor_database: sa.Engine, sor: SystemOfRecord
) -> None:
    insert_program(sor_database)
    insert_member(sor_database)
    first = datetime(2019, 3, 1, 8, tzinfo=UTC)
    insert_membership_transaction(sor_database, "MT2", NOW - timedelta(days=5), NOW)
    insert_membership_transaction(sor_database, "MT1", first, first, kind="purchase")

    found = sor.membership_record("SIAM", "SIAM-0000001", history_since=SINCE)

    assert found is not None
    amount = Decimal("25000.00")
    assert found.membership_transactions == [
        SorMembershipTransaction("MT1", "purchase", amount, "THB", first, first),
        SorMembershipTransaction("MT2", "renewal", amount, "THB", NOW - timedelta(days=5), NOW),
    ]


def test_an_instant_must_say_its_timezone_to_be_written(sor_database: sa.Engine) -> None:
    """A naive datetime would mean one instant on PostgreSQL and another on SQLite or Oracle."""
    insert_program(sor_database)
    record = replace(sor_record(), tracking=[tracking(at=datetime(2026, 11, 1, 12))])
    with pytest.raises(sa.exc.StatementError, match="must be timezone-aware"):
        insert_member(sor_database, record)
    with sor_database.connect() as connection:
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(t.memberships)).scalar() == 0
        )
