"""The SoR's devices, offer packages, program configuration and clock, on every kind of SoR
database."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from mosaic.ports.sor import SystemOfRecord
from tests.factories import NOW, insert_member, insert_program
from tests.sor_rows import configure_program, insert_devices, insert_offer, link_offer_to_packages

SINCE = NOW - timedelta(days=365)
NUMBER = "SIAM-0000001"


def _member(engine: sa.Engine) -> None:
    insert_program(engine)
    insert_member(engine)


def test_a_membership_record_carries_its_devices(sor_database: sa.Engine, sor: SystemOfRecord):
    _member(sor_database)
    insert_devices(sor_database, ["ios", "android"])

    record = sor.membership_record("SIAM", NUMBER, history_since=SINCE)

    assert record is not None
    assert sorted((d.device_id, d.platform) for d in record.devices) == [
        ("device-0", "ios"),
        ("device-1", "android"),
    ]
    assert all(d.registered_at.tzinfo is not None for d in record.devices)


def test_offers_name_the_packages_they_are_for(sor_database: sa.Engine, sor: SystemOfRecord):
    _member(sor_database)
    insert_offer(sor_database, "OF-ALL", date(2026, 1, 1), date(2027, 1, 1), NOW)
    insert_offer(sor_database, "OF-TOP", date(2026, 1, 1), date(2027, 1, 1), NOW)
    link_offer_to_packages(sor_database, "OF-TOP", ["SIAM-GOLD", "SIAM-PLAT"], NOW)

    record = sor.membership_record("SIAM", NUMBER, history_since=SINCE)
    catalog = sor.program_catalog("SIAM", today=NOW.date())

    assert record is not None
    assert catalog is not None
    assert {o.code: o.packages for o in record.offers} == {
        "OF-ALL": frozenset(),
        "OF-TOP": frozenset({"SIAM-GOLD", "SIAM-PLAT"}),
    }
    assert {o.code: o.packages for o in catalog.offers} == {
        "OF-ALL": (),
        "OF-TOP": ("SIAM-GOLD", "SIAM-PLAT"),
    }


def test_an_offer_changed_when_its_row_or_one_of_its_package_links_did(
    sor_database: sa.Engine, sor: SystemOfRecord
):
    _member(sor_database)
    before = NOW - timedelta(days=2)
    insert_offer(sor_database, "OF-ALL", date(2026, 1, 1), date(2027, 1, 1), before)
    insert_offer(sor_database, "OF-TOP", date(2026, 1, 1), date(2027, 1, 1), before)
    link_offer_to_packages(sor_database, "OF-TOP", ["SIAM-GOLD"], NOW - timedelta(days=3))
    link_offer_to_packages(sor_database, "OF-TOP", ["SIAM-PLAT"], NOW)

    record = sor.membership_record("SIAM", NUMBER, history_since=SINCE)

    assert record is not None
    assert {o.code: o.updated_at for o in record.offers} == {"OF-ALL": before, "OF-TOP": NOW}


def test_the_catalog_carries_the_programs_configuration(
    sor_database: sa.Engine, sor: SystemOfRecord
):
    insert_program(sor_database)
    settings = json.dumps({"inviteePeriodDays": 10})
    configure_program(sor_database, "settings", settings, NOW)

    catalog = sor.program_catalog("SIAM", today=NOW.date())

    assert catalog is not None
    assert catalog.configuration == {"settings": settings}


def test_a_device_or_offer_package_change_is_a_change(sor_database: sa.Engine, sor: SystemOfRecord):
    _member(sor_database)
    before = NOW - timedelta(hours=1)
    insert_devices(sor_database, ["ios"])  # stamped now by the SoR's default
    insert_offer(sor_database, "OF-TOP", date(2026, 1, 1), date(2027, 1, 1), before)

    window = sor.membership_changes(
        "SIAM", since=datetime.now(UTC) - timedelta(minutes=5), until=datetime.now(UTC)
    )
    assert window.membership_numbers == frozenset({NUMBER})
    assert not window.program_wide

    link_offer_to_packages(sor_database, "OF-TOP", ["SIAM-GOLD"], NOW)
    linked = sor.membership_changes("SIAM", since=NOW - timedelta(minutes=1), until=NOW)
    assert linked.program_wide


def test_the_sor_clock_is_aware_and_near_this_machines(sor: SystemOfRecord):
    now = sor.now()
    assert now.utcoffset() == timedelta(0)
    assert abs(now - datetime.now(UTC)) < timedelta(minutes=1)
