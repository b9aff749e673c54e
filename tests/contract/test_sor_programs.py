"""A program's catalog and statistics from the SoR, on every kind of SoR database."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from mosaic.domain import records
from mosaic.domain.program_records import (
    SorCampaign,
    SorContentOffer,
    SorHotel,
    SorMonthlyFigure,
    SorOutlet,
)
from mosaic.domain.records import SorProgram
from mosaic.ports.sor import SystemOfRecord
from tests.factories import NOW, insert_member, insert_program, sor_record, static_voucher
from tests.sor_rows import (
    insert_campaign,
    insert_devices,
    insert_hotel,
    insert_membership_transaction,
    insert_messages,
    insert_offer,
    insert_tracking,
    redeem_voucher,
)

SINCE = date(2026, 9, 1)
BANGKOK = ZoneInfo("Asia/Bangkok")
Event = tuple[datetime, str, Decimal]  # when, subject (hotel or package), amount

SPENDS: list[Event] = [
    (datetime(2026, 8, 31, 23, 59, 59, tzinfo=UTC), "SIAM-H01", Decimal("999.99")),  # Sep there
    (datetime(2026, 9, 15, 12, tzinfo=UTC), "SIAM-H02", Decimal("75.25")),
    (datetime(2026, 10, 31, 23, 30, tzinfo=UTC), "SIAM-H01", Decimal("100.10")),  # Nov in Asia
    (datetime(2026, 11, 1, 0, 30, tzinfo=UTC), "SIAM-H01", Decimal("50.00")),
    (datetime(2026, 11, 2, 8, tzinfo=UTC), "SIAM-H02", Decimal("20.00")),
]
REDEMPTIONS: list[tuple[datetime, str]] = [
    (datetime(2026, 8, 20, tzinfo=UTC), "SIAM-H01"),  # before
    (datetime(2026, 10, 31, 23, tzinfo=UTC), "SIAM-H02"),
    (datetime(2026, 11, 2, tzinfo=UTC), "SIAM-H01"),
    (datetime(2026, 11, 3, tzinfo=UTC), "SIAM-H01"),
]
PURCHASES: list[Event] = [
    (datetime(2026, 8, 1, tzinfo=UTC), "SIAM-GOLD", Decimal("25000.00")),  # before
    (datetime(2026, 10, 5, tzinfo=UTC), "SIAM-GOLD", Decimal("25000.00")),
    (datetime(2026, 11, 30, 23, tzinfo=UTC), "SIAM-GOLD", Decimal("24000.00")),
]


def _by_month(events: Iterable[Event]) -> list[SorMonthlyFigure]:
    """What the SoR should answer, added up here: per month of the program's calendar
    (Bangkok) and subject, from the start of SINCE there (an amount of nothing: a figure
    without amounts)."""
    start = datetime.combine(SINCE, datetime.min.time(), BANGKOK)
    counts: Counter[tuple[str, str]] = Counter()
    sums: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for when, subject, amount in events:
        if when >= start:
            key = (when.astimezone(BANGKOK).strftime("%Y-%m"), subject)
            counts[key] += 1
            sums[key] += amount
    return [
        SorMonthlyFigure(month, subject, counts[month, subject], sums[month, subject] or None)
        for month, subject in sorted(counts)
    ]


@pytest.fixture
def program(sor_database: sa.Engine) -> sa.Engine:
    """SIAM with two hotels in its network and a partner hotel, one outlet each, a member."""
    insert_program(sor_database)
    for code, in_network in (("SIAM-H02", True), ("SIAM-H01", True), ("SIAM-P01", False)):
        insert_hotel(sor_database, code, in_network=in_network)
    vouchers = [static_voucher(f"1000{n}") for n in range(len(REDEMPTIONS) + 1)]
    insert_member(sor_database, replace(sor_record(), static_vouchers=vouchers, tracking=[]))
    return sor_database


def test_an_unknown_program_has_no_catalog(program: sa.Engine, sor: SystemOfRecord) -> None:
    assert sor.program_catalog("LUMA", today=NOW.date()) is None


def test_the_catalog_lists_hotels_outlets_and_the_offers_still_valid(
    program: sa.Engine, sor: SystemOfRecord
) -> None:
    today = date(2026, 11, 21)
    insert_offer(program, "OFF-ENDED", date(2026, 1, 1), date(2026, 11, 20), NOW)
    insert_offer(program, "OFF-LAST-DAY", date(2026, 1, 1), today, NOW)
    insert_offer(program, "OFF-SOON", date(2026, 12, 1), date(2027, 1, 31), NOW)

    catalog = sor.program_catalog("SIAM", today=today)

    assert catalog is not None
    assert catalog.program == SorProgram("SIAM", "Siam Signature", "THB", "Asia/Bangkok")
    assert catalog.hotels == [
        SorHotel(code, f"Hotel {code}", "Bangkok", "TH", in_network)
        for code, in_network in (("SIAM-H01", True), ("SIAM-H02", True), ("SIAM-P01", False))
    ]
    assert all(type(hotel.in_network) is bool for hotel in catalog.hotels)
    assert catalog.outlets == [
        SorOutlet(f"{code}-O1", code, "Grill", None)
        for code in ("SIAM-H01", "SIAM-H02", "SIAM-P01")
    ]
    assert catalog.offers == [
        SorContentOffer(code, f"Offer {code}", None, None, start, end)
        for code, start, end in (
            ("OFF-LAST-DAY", date(2026, 1, 1), today),
            ("OFF-SOON", date(2026, 12, 1), date(2027, 1, 31)),
        )
    ]


def test_the_catalog_lists_the_programs_voucher_campaigns_not_ended_yet(
    program: sa.Engine, sor: SystemOfRecord
) -> None:
    today = date(2026, 11, 21)
    insert_program(program, "LUMA", "Luma", "America/New_York", "USD")
    insert_campaign(program, "C-ENDED", date(2026, 1, 1), date(2026, 11, 20), NOW)
    insert_campaign(program, "C-LAST-DAY", date(2026, 11, 1), today, NOW, target="invitee")
    insert_campaign(program, "C-SOON", date(2026, 12, 1), date(2027, 1, 31), NOW)
    insert_campaign(program, "L-NOW", date(2026, 11, 1), date(2026, 12, 31), NOW, program="LUMA")

    catalog = sor.program_catalog("SIAM", today=today)

    assert catalog is not None
    assert catalog.voucher_campaigns == [
        records.SorCampaign(code, f"Campaign {code}", "food", None, target, start, end, NOW)
        for code, target, start, end in (
            ("C-LAST-DAY", "invitee", date(2026, 11, 1), today),
            ("C-SOON", "all", date(2026, 12, 1), date(2027, 1, 31)),
        )
    ]


def test_monthly_figures_equal_what_the_rows_add_up_to_by_the_programs_calendar(
    program: sa.Engine, sor: SystemOfRecord
) -> None:
    for n, (when, hotel, amount) in enumerate(SPENDS):
        insert_tracking(program, f"T{n}", when, hotel=hotel, amount=amount)
    for n, (when, hotel) in enumerate(REDEMPTIONS):
        redeem_voucher(program, f"1000{n}", when, hotel)
    for n, (when, _, amount) in enumerate(PURCHASES):
        insert_membership_transaction(program, f"MP{n}", when, when, kind="purchase", amount=amount)
    insert_membership_transaction(program, "MR1", PURCHASES[1][0], NOW)  # a renewal: no sale

    figures = sor.program_statistics("SIAM", since=SINCE)

    assert figures.tracking_per_hotel == _by_month(SPENDS)
    assert figures.tracking_per_outlet == _by_month(
        (when, f"{hotel}-O1", amount) for when, hotel, amount in SPENDS
    )
    assert figures.voucher_redemptions_per_hotel == _by_month(
        (when, hotel, Decimal(0)) for when, hotel in REDEMPTIONS
    )
    assert figures.sales_per_package == _by_month(PURCHASES)
    # In Bangkok, 31 August 23:59 UTC is already 1 September, and 31 October 23:30 UTC
    # is 1 November: no figure falls in October.
    assert [(f.month, f.subject) for f in figures.tracking_per_hotel] == [
        ("2026-09", "SIAM-H01"),
        ("2026-09", "SIAM-H02"),
        ("2026-11", "SIAM-H01"),
        ("2026-11", "SIAM-H02"),
    ]


def test_campaigns_and_devices_are_counted_per_channel_and_platform(
    program: sa.Engine, sor: SystemOfRecord
) -> None:
    sent_at = datetime(2026, 11, 10, 3, tzinfo=UTC)
    insert_messages(program, sent_at)
    insert_devices(program, ["ios", "android", "ios"])

    figures = sor.program_statistics("SIAM", since=SINCE)

    assert figures.campaigns == [
        SorCampaign("E1", "email", "News", "full", "sent", 20, 7, sent_at),
        SorCampaign("P1", "push", "Sent", "all", "sent", 10, 4, sent_at),
        SorCampaign("P2", "push", "Draft", "all", "draft", 0, 0, None),
        SorCampaign("S1", "sms", "Hello", "package:SIAM-GOLD", "scheduled", 0, 0, sent_at),
    ]
    assert figures.devices_by_platform == {"android": 1, "ios": 2}


def test_a_program_without_activity_has_empty_figures(
    program: sa.Engine, sor: SystemOfRecord
) -> None:
    figures = sor.program_statistics("SIAM", since=SINCE)
    assert figures.tracking_per_hotel == figures.sales_per_package == []
    assert figures.campaigns == []
    assert figures.devices_by_platform == {}
