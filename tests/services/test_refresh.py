import pytest

from mosaic.domain.errors import MembershipNotFound, SystemOfRecordUnavailable
from mosaic.domain.membership import DeviceDetails
from mosaic.ports.documents import Container
from mosaic.services.login import login_member
from mosaic.services.refresh import RefreshReason, refresh_membership
from tests.factories import embedded_backends, insert_member, sor_engine


def test_refresh_indexes_the_member_for_search(tmp_path):
    engine = sor_engine(tmp_path)
    insert_member(engine)
    backends = embedded_backends(tmp_path, engine=engine)
    refresh_membership(backends, "SIAM", "SIAM-0000001", RefreshReason.MANUAL)
    page = backends.search.search("SIAM", "ploy")
    assert [s.membership_number for s in page.items] == ["SIAM-0000001"]


def test_every_refresh_is_logged_with_its_outcome(tmp_path):
    engine = sor_engine(tmp_path)
    insert_member(engine)
    backends = embedded_backends(tmp_path, engine=engine)
    refresh_membership(backends, "SIAM", "SIAM-0000001", RefreshReason.MANUAL)
    with pytest.raises(MembershipNotFound):
        refresh_membership(backends, "SIAM", "SIAM-0000404", RefreshReason.UPDATE)
    logged = backends.documents.query(Container.REFRESH_LOG, "SIAM")
    outcomes = sorted((d.body["key"], d.body["reason"], d.body["outcome"]) for d in logged)
    assert outcomes == [
        ("SIAM-0000001", "manual", "refreshed"),
        ("SIAM-0000404", "update", "not-found"),
    ]
    assert all(d.body["durationMs"] >= 0 for d in logged)
    assert all(d.body["ttl"] == 90 * 24 * 3600 for d in logged)  # the log keeps 90 days


def test_refresh_keeps_the_devices_registered_at_login(tmp_path):
    engine = sor_engine(tmp_path)
    insert_member(engine)
    backends = embedded_backends(tmp_path, engine=engine)
    login_member(backends, "SIAM", "12345", DeviceDetails(device_id="a-1"), "10.0.0.1")
    refreshed = refresh_membership(backends, "SIAM", "SIAM-0000001", RefreshReason.LOGIN)
    assert [d.device_id for d in refreshed.devices] == ["a-1"]


def test_refresh_while_the_sor_is_down_changes_nothing(tmp_path):
    engine = sor_engine(tmp_path)
    insert_member(engine)
    backends = embedded_backends(tmp_path, engine=engine)
    first = refresh_membership(backends, "SIAM", "SIAM-0000001", RefreshReason.MANUAL)
    engine.dispose()
    (tmp_path / "sor.sqlite").rename(tmp_path / "sor.offline")
    (tmp_path / "sor.sqlite").mkdir()  # a directory where the database was: sqlite cannot open it
    with pytest.raises(SystemOfRecordUnavailable):
        refresh_membership(backends, "SIAM", "SIAM-0000001", RefreshReason.MANUAL)
    stored = backends.documents.read(Container.MEMBERSHIPS, "SIAM", "SIAM-0000001")
    assert stored.body == first.model_dump(mode="json", by_alias=True)


@pytest.mark.parametrize("timezone", ["Asia", "Mars/Olympus", ""])
def test_a_program_with_an_unusable_timezone_is_refused_not_stored(tmp_path, timezone):
    import sqlalchemy as sa

    from mosaic.adapters.sor import schema as t
    from mosaic.domain.errors import ProgramMisconfigured

    engine = sor_engine(tmp_path)
    insert_member(engine)
    with engine.begin() as c:
        c.execute(sa.update(t.programs).values(timezone=timezone))
    backends = embedded_backends(tmp_path, engine=engine)
    with pytest.raises(ProgramMisconfigured):
        refresh_membership(backends, "SIAM", "SIAM-0000001", RefreshReason.MANUAL)
    assert backends.documents.query(Container.PROGRAMS, "SIAM") == []
