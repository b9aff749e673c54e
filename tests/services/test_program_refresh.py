"""The program refresh: catalog and statistics from the SoR, digital-owned settings kept."""

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from mosaic.adapters.sor import schema as t
from mosaic.domain.errors import ProgramNotFound, SystemOfRecordUnavailable
from mosaic.domain.program import ContentType, DigitalProgram, ProgramSettings
from mosaic.ports.documents import Container
from mosaic.services.program_directory import known_programs
from mosaic.services.program_refresh import (
    PROGRAM_REFRESH_QUEUE,
    refresh_program,
    request_program_refreshes,
)
from tests.factories import NOW, embedded_backends, insert_member, sor_engine
from tests.services.test_refresh_dynamic_vouchers import insert_campaign
from tests.sor_rows import delete_rows

HOTELS = [("SIAM-H01", True), ("SIAM-H02", True), ("SIAM-P01", False)]


@pytest.fixture
def engine(tmp_path):
    engine = sor_engine(tmp_path)
    insert_member(engine)
    with engine.begin() as c:
        for code, in_network in HOTELS:
            c.execute(
                sa.insert(t.hotels).values(
                    code=code,
                    program="SIAM",
                    name=code,
                    city="Bangkok",
                    country="TH",
                    in_network=in_network,
                )
            )
            c.execute(
                sa.insert(t.outlets).values(
                    code=f"{code}-O1", hotel=code, program="SIAM", name="Grill", cuisine="thai"
                )
            )
        for code, valid_to in (("OFF-OLD", date(2026, 1, 31)), ("OFF-NOW", date(2027, 1, 31))):
            c.execute(
                sa.insert(t.offers).values(
                    program="SIAM",
                    code=code,
                    title=code,
                    valid_from=date(2025, 12, 1),
                    valid_to=valid_to,
                    updated_at=NOW,
                )
            )
    return engine


def _tracking_rows(engine):
    """Spend in three months (and one too old to count), at two hotels."""
    rows = []
    for n, (days_ago, hotel, amount) in enumerate(
        [
            (10, "SIAM-H01", "100.10"),
            (12, "SIAM-H01", "50.00"),
            (40, "SIAM-H02", "75.25"),
            (70, "SIAM-H01", "20.00"),
            (500, "SIAM-H01", "999.99"),
        ]
    ):
        rows.append(
            dict(
                id=f"PT{n}",
                program="SIAM",
                membership_number="SIAM-0000001",
                hotel=hotel,
                outlet=f"{hotel}-O1",
                amount=Decimal(amount),
                currency="THB",
                at=NOW - timedelta(days=days_ago),
                updated_at=NOW,
            )
        )
    with engine.begin() as c:
        c.execute(sa.insert(t.tracking_transactions), rows)
        every = c.execute(sa.select(t.tracking_transactions)).mappings().all()
    return [dict(row) | {"at": row["at"].replace(tzinfo=UTC)} for row in every]


def _expected_by_month(rows, subject, since):
    counts: Counter[tuple[str, str]] = Counter()
    amounts: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in rows:
        if row["at"] >= since:
            key = (row["at"].strftime("%Y-%m"), row[subject])
            counts[key] += 1
            amounts[key] += row["amount"]
    return {key: (counts[key], amounts[key]) for key in counts}


def test_statistics_equal_what_the_sor_rows_add_up_to(tmp_path, engine):
    rows = _tracking_rows(engine)
    with engine.begin() as c:
        c.execute(
            sa.insert(t.devices),
            [
                dict(
                    id=f"D{n}",
                    program="SIAM",
                    membership_number="SIAM-0000001",
                    device_id=f"d{n}",
                    platform=platform,
                    registered_at=NOW,
                )
                for n, platform in enumerate(["ios", "ios", "android"])
            ],
        )
        c.execute(
            sa.update(t.static_vouchers).values(
                status="redeemed", redeemed_at=NOW - timedelta(days=3), redeemed_hotel="SIAM-H02"
            )
        )
        c.execute(
            sa.insert(t.membership_transactions).values(
                id="MT1",
                program="SIAM",
                membership_number="SIAM-0000001",
                kind="purchase",
                amount=Decimal("25000.00"),
                currency="THB",
                at=NOW - timedelta(days=20),
                updated_at=NOW,
            )
        )
    backends = embedded_backends(tmp_path, engine=engine)

    program = refresh_program(backends, "SIAM", "manual")

    since = datetime(2025, 11, 21, tzinfo=UTC) - timedelta(hours=7)  # Bangkok midnight
    figures = program.statistics
    by_hotel = {(f.month, f.subject): (f.count, f.amount) for f in figures.tracking_per_hotel}
    assert by_hotel == _expected_by_month(rows, "hotel", since)
    by_outlet = {(f.month, f.subject): (f.count, f.amount) for f in figures.tracking_per_outlet}
    assert by_outlet == _expected_by_month(rows, "outlet", since)
    assert figures.devices_by_platform == {"android": 1, "ios": 2}
    [redeemed] = figures.voucher_redemptions_per_hotel
    assert (redeemed.month, redeemed.subject, redeemed.count) == ("2026-11", "SIAM-H02", 1)
    [sale] = figures.sales_per_package
    assert (sale.month, sale.subject, sale.count, sale.amount) == (
        "2026-11",
        "SIAM-GOLD",
        1,
        Decimal("25000.00"),
    )


def test_content_lists_the_catalog_and_only_offers_still_valid(tmp_path, engine):
    backends = embedded_backends(tmp_path, engine=engine)

    program = refresh_program(backends, "SIAM", "manual")

    for content in program.content.values():
        assert [(h.code, h.in_network) for h in content.hotels] == HOTELS
        assert [o.code for o in content.outlets] == [f"{h}-O1" for h, _ in HOTELS]
        assert [o.code for o in content.offers] == ["OFF-NOW"]
    stored = backends.documents.read(Container.PROGRAMS, "SIAM", "SIAM")
    assert DigitalProgram.model_validate(stored.body) == program


def test_the_document_lists_the_voucher_campaigns_and_forgets_one_deleted_in_the_sor(
    tmp_path, engine
):
    """Invitee memberships, which the SoR does not know, take their vouchers from these."""
    insert_campaign(engine, "C-INVITEE", "invitee", type="food", hotel=None)
    insert_campaign(engine, "C-NEW-TYPE", "package:SIAM-GOLD", type="wellness")
    insert_campaign(engine, "C-ENDED", "all", valid_to=date(2026, 11, 20))
    backends = embedded_backends(tmp_path, engine=engine)

    refresh_program(backends, "SIAM", "manual")

    body = backends.documents.read(Container.PROGRAMS, "SIAM", "SIAM").body
    november = {"validFrom": "2026-11-01", "validTo": "2026-11-30"}
    assert body["voucherCampaigns"] == [
        {"id": "C-INVITEE", "title": "Campaign C-INVITEE", "type": "food", "hotel": None}
        | {"target": "invitee"}
        | november,
        {"id": "C-NEW-TYPE", "title": "Campaign C-NEW-TYPE", "type": "other"}
        | {"hotel": "SIAM-H01", "target": "package:SIAM-GOLD"}
        | november,
    ]
    campaigns = t.dynamic_voucher_campaigns
    delete_rows(engine, campaigns, NOW, campaigns.c.id == "C-INVITEE")

    again = refresh_program(backends, "SIAM", "scheduled")

    assert [c.id for c in again.voucher_campaigns] == ["C-NEW-TYPE"]
    body = backends.documents.read(Container.PROGRAMS, "SIAM", "SIAM").body
    assert [c["id"] for c in body["voucherCampaigns"]] == ["C-NEW-TYPE"]


def test_settings_and_texts_the_digital_side_owns_survive_a_refresh(tmp_path, engine):
    backends = embedded_backends(tmp_path, engine=engine)
    first = refresh_program(backends, "SIAM", "manual")
    stored = backends.documents.read(Container.PROGRAMS, "SIAM", "SIAM")
    changed = first.model_copy(update={"settings": ProgramSettings(invitee_period_days=10)})
    body = changed.model_dump(mode="json", by_alias=True)
    body["content"]["app"]["texts"] = {"welcome": "Sawasdee"}
    body["brandColours"] = ["#003366"]
    backends.documents.replace(Container.PROGRAMS, body, if_match=stored.etag)

    again = refresh_program(backends, "SIAM", "scheduled")

    assert again.settings.invitee_period_days == 10
    assert again.content[ContentType.APP].texts == {"welcome": "Sawasdee"}
    assert backends.documents.read(Container.PROGRAMS, "SIAM", "SIAM").body["brandColours"] == [
        "#003366"
    ]


def test_an_sor_outage_leaves_the_program_document_as_it_was(tmp_path, engine):
    backends = embedded_backends(tmp_path, engine=engine)
    refresh_program(backends, "SIAM", "manual")
    before = backends.documents.read(Container.PROGRAMS, "SIAM", "SIAM")
    engine.dispose()
    (tmp_path / "sor.sqlite").rename(tmp_path / "sor.offline")
    (tmp_path / "sor.sqlite").mkdir()

    with pytest.raises(SystemOfRecordUnavailable):
        refresh_program(backends, "SIAM", "scheduled")

    assert backends.documents.read(Container.PROGRAMS, "SIAM", "SIAM") == before
    outcomes = sorted(
        d.body["outcome"] for d in backends.documents.query(Container.REFRESH_LOG, "SIAM")
    )
    assert outcomes == ["failed", "refreshed"]


def test_an_unknown_program_is_not_found_and_logged(tmp_path, engine):
    backends = embedded_backends(tmp_path, engine=engine)
    with pytest.raises(ProgramNotFound):
        refresh_program(backends, "NOPE", "manual")
    [logged] = backends.documents.query(Container.REFRESH_LOG, "NOPE")
    assert (logged.body["kind"], logged.body["outcome"]) == ("program", "not-found")


def test_the_timer_queues_one_refresh_per_program(tmp_path, engine):
    with engine.begin() as c:
        c.execute(
            sa.insert(t.programs).values(
                code="LUMA", name="Luma", currency="USD", timezone="America/New_York"
            )
        )
    backends = embedded_backends(tmp_path, engine=engine)
    assert request_program_refreshes(backends, "scheduled") == ["LUMA", "SIAM"]
    assert backends.queue.count(PROGRAM_REFRESH_QUEUE) == 2


def test_months_of_the_figures_are_the_programs_months(tmp_path, engine):
    """01:00 on 1 November in Bangkok is still 31 October in UTC: it counts in November."""
    late_evening = datetime(2026, 10, 31, 18, 0, tzinfo=UTC)
    with engine.begin() as c:
        c.execute(
            sa.insert(t.tracking_transactions).values(
                id="EDGE",
                program="SIAM",
                membership_number="SIAM-0000001",
                hotel="SIAM-H02",
                outlet="SIAM-H02-O1",
                amount=Decimal("10.00"),
                currency="THB",
                at=late_evening,
                updated_at=late_evening,
            )
        )
    backends = embedded_backends(tmp_path, engine=engine)

    program = refresh_program(backends, "SIAM", "manual")

    edge = [f for f in program.statistics.tracking_per_hotel if f.subject == "SIAM-H02"]
    assert [(f.month, f.count) for f in edge] == [("2026-11", 1)]


def test_a_refreshed_program_is_listed_for_the_jobs_that_run_over_every_program(tmp_path, engine):
    backends = embedded_backends(tmp_path, engine=engine)

    refresh_program(backends, "SIAM", "manual")
    refresh_program(backends, "SIAM", "manual")

    listed = backends.documents.read(Container.SYSTEM, "_system", "programs").body["codes"]
    assert listed == ["SIAM"]
    assert known_programs(backends) == ["SIAM"]
