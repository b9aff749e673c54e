"""A refresh that finds nothing changed in the SoR writes nothing: not the document, not
its etag, not its search entry; coalescing still knows the SoR was read."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from mosaic.adapters.clock import FixedClock
from mosaic.adapters.sor import schema as t
from mosaic.ports.documents import Container
from mosaic.services.refresh import (
    MembershipRefreshRequest,
    RefreshReason,
    refresh_membership,
    refresh_requested,
)
from tests.factories import NOW, embedded_backends, insert_member, sor_engine

NUMBER = "SIAM-0000001"


def _setup(tmp_path, wall_clock=None):
    engine = sor_engine(tmp_path)
    insert_member(engine)
    backends = embedded_backends(tmp_path, engine=engine, wall_clock=wall_clock)
    return engine, backends


def _outcomes(backends):
    logged = backends.documents.query(Container.REFRESH_LOG, "SIAM")
    return sorted((d.body["started"], d.body["outcome"]) for d in logged)


def test_a_refresh_of_an_unchanged_membership_keeps_the_document_and_its_etag(tmp_path):
    _, backends = _setup(tmp_path)
    refresh_membership(backends, "SIAM", NUMBER, RefreshReason.MANUAL)
    before = backends.documents.read(Container.MEMBERSHIPS, "SIAM", NUMBER)
    backends.clock.advance(timedelta(hours=1))
    again = refresh_membership(backends, "SIAM", NUMBER, RefreshReason.UPDATE)
    after = backends.documents.read(Container.MEMBERSHIPS, "SIAM", NUMBER)
    assert after.etag == before.etag
    assert after.body == before.body
    assert again.meta.last_refresh == NOW  # the stored document, as it was
    assert [o for _, o in _outcomes(backends)] == ["refreshed", "unchanged"]


def test_a_change_in_the_sor_is_written(tmp_path):
    engine, backends = _setup(tmp_path)
    refresh_membership(backends, "SIAM", NUMBER, RefreshReason.MANUAL)
    before = backends.documents.read(Container.MEMBERSHIPS, "SIAM", NUMBER)
    with engine.begin() as c:
        c.execute(sa.update(t.memberships).values(member_name="Ploy S.", updated_at=NOW))
    refresh_membership(backends, "SIAM", NUMBER, RefreshReason.UPDATE)
    after = backends.documents.read(Container.MEMBERSHIPS, "SIAM", NUMBER)
    assert after.etag != before.etag
    assert after.body["membership"]["memberName"] == "Ploy S."
    assert backends.search.search("SIAM", "S.").items[0].member_name == "Ploy S."


def test_a_row_deleted_from_the_sor_is_a_change_though_no_time_moved(tmp_path):
    engine, backends = _setup(tmp_path)
    refresh_membership(backends, "SIAM", NUMBER, RefreshReason.MANUAL)
    with engine.begin() as c:
        c.execute(sa.delete(t.tracking_transactions))
    document = refresh_membership(backends, "SIAM", NUMBER, RefreshReason.UPDATE)
    assert document.tracking_transactions == []
    assert [o for _, o in _outcomes(backends)] == ["refreshed", "refreshed"]


def test_a_pos_write_between_read_and_refresh_does_not_conflict(tmp_path):
    _, backends = _setup(tmp_path)
    refresh_membership(backends, "SIAM", NUMBER, RefreshReason.MANUAL)
    read = backends.documents.read(Container.MEMBERSHIPS, "SIAM", NUMBER)
    refresh_membership(backends, "SIAM", NUMBER, RefreshReason.UPDATE)
    written = read.body | {"pins": []}
    backends.documents.replace(Container.MEMBERSHIPS, written, if_match=read.etag)  # no conflict


def test_coalescing_sees_the_read_of_an_unchanged_refresh(tmp_path):
    wall = FixedClock(NOW)
    _, backends = _setup(tmp_path, wall_clock=wall)
    refresh_membership(backends, "SIAM", NUMBER, RefreshReason.MANUAL)
    wall.advance(timedelta(hours=1))
    requested = wall.now()
    request = MembershipRefreshRequest(
        program="SIAM", membership_number=NUMBER, reason=RefreshReason.LOGIN, requested_at=requested
    )
    wall.advance(timedelta(seconds=1))
    assert refresh_requested(backends, request) is not None  # read the SoR: unchanged
    wall.advance(timedelta(seconds=1))
    assert refresh_requested(backends, request) is None  # served by that read, though unwritten
    later = request.model_copy(update={"requested_at": requested + timedelta(seconds=2)})
    wall.advance(timedelta(minutes=5))
    assert refresh_requested(backends, later) is not None  # a newer request past coalescing
    assert [o for _, o in _outcomes(backends)] == ["refreshed", "unchanged", "unchanged"]


def test_a_search_upsert_lost_after_the_write_is_made_by_the_next_refresh(tmp_path):
    engine, backends = _setup(tmp_path)
    refresh_membership(backends, "SIAM", NUMBER, RefreshReason.MANUAL)
    with engine.begin() as c:
        c.execute(sa.update(t.memberships).values(member_name="Ploy Renamed", updated_at=NOW))
    search = backends.search
    original = search.upsert

    def failing(summaries):
        raise RuntimeError("search is down")

    search.upsert = failing
    with pytest.raises(RuntimeError):
        refresh_membership(backends, "SIAM", NUMBER, RefreshReason.UPDATE)
    search.upsert = original
    assert search.search("SIAM", "Renamed").items == []
    refresh_membership(backends, "SIAM", NUMBER, RefreshReason.UPDATE)  # nothing new in the SoR
    assert [s.member_name for s in search.search("SIAM", "Renamed").items] == ["Ploy Renamed"]
