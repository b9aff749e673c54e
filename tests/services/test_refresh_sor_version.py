"""sorVersion: the newest change of every SoR row a membership document is built from."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from mosaic.adapters.sor import schema as t
from mosaic.services.refresh import RefreshReason, refresh_membership
from tests.factories import NOW, embedded_backends, insert_member, sor_engine
from tests.services.test_refresh_dynamic_vouchers import insert_campaign
from tests.sor_rows import (
    insert_membership_transaction,
    insert_offer,
    insert_reservation,
    link_offer_to_packages,
)

OLD = NOW - timedelta(days=10)  # the factory tracking row: the newest change so far


@pytest.mark.parametrize("table", ["reservations", "membership_transactions", "offers"])
def test_a_change_to_any_feeding_row_moves_the_sor_version(tmp_path, table):
    engine = sor_engine(tmp_path)
    insert_member(engine)
    insert_reservation(engine, "R1", date(2026, 12, 1), OLD - timedelta(days=1))
    insert_membership_transaction(engine, "M1", OLD - timedelta(days=60), OLD - timedelta(days=2))
    insert_offer(
        engine, "SIAM-OF01", date(2026, 11, 1), date(2026, 12, 31), OLD - timedelta(days=3)
    )
    backends = embedded_backends(tmp_path, engine=engine)
    first = refresh_membership(backends, "SIAM", "SIAM-0000001", RefreshReason.MANUAL)
    assert first.meta.sor_version == OLD

    changed = NOW - timedelta(minutes=5)
    with engine.begin() as c:
        c.execute(sa.update(t.metadata.tables[table]).values(updated_at=changed))
    again = refresh_membership(backends, "SIAM", "SIAM-0000001", RefreshReason.UPDATE)
    assert again.meta.sor_version == changed


def test_tracking_rows_count_by_their_own_change_time(tmp_path):
    engine = sor_engine(tmp_path)
    insert_member(engine)
    changed = NOW - timedelta(minutes=1)
    with engine.begin() as c:
        c.execute(sa.update(t.tracking_transactions).values(updated_at=changed))
    backends = embedded_backends(tmp_path, engine=engine)
    document = refresh_membership(backends, "SIAM", "SIAM-0000001", RefreshReason.MANUAL)
    assert document.meta.sor_version == changed


def test_a_refresh_lists_only_the_offers_valid_today(tmp_path):
    engine = sor_engine(tmp_path)
    insert_member(engine)
    today = date(2026, 11, 21)  # NOW's date in Bangkok
    insert_offer(engine, "SIAM-OF01", date(2026, 1, 1), today - timedelta(days=1), OLD)
    insert_offer(engine, "SIAM-OF02", today, today, OLD)
    insert_offer(engine, "SIAM-OF03", today + timedelta(days=1), date(2027, 1, 1), OLD)
    backends = embedded_backends(tmp_path, engine=engine)
    document = refresh_membership(backends, "SIAM", "SIAM-0000001", RefreshReason.MANUAL)
    assert [o.code for o in document.offers] == ["SIAM-OF02"]


@pytest.mark.parametrize("table", ["campaign", "offer_packages"])
def test_sor_version_covers_campaigns_and_offer_packages(tmp_path, table):
    engine = sor_engine(tmp_path)
    insert_member(engine)
    changed = NOW - timedelta(days=1)  # every other row is older
    if table == "campaign":
        insert_campaign(engine, "C1", updated_at=changed)
    else:
        insert_offer(engine, "O1", date(2026, 11, 1), date(2026, 11, 30), NOW - timedelta(days=20))
        link_offer_to_packages(engine, "O1", ["SIAM-GOLD"], changed)
    backends = embedded_backends(tmp_path, engine=engine)

    document = refresh_membership(backends, "SIAM", "SIAM-0000001", RefreshReason.MANUAL)

    assert document.meta.sor_version == changed
