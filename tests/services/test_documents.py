"""Read-modify-write: what the code does not know survives, newer documents are left alone,
conflicts back off."""

import pytest

from mosaic.domain.errors import ConcurrentUpdate, DocumentFromNewerSchema
from mosaic.domain.membership import SCHEMA_VERSION, DeviceDetails
from mosaic.ports.documents import Container
from mosaic.services.documents import Backoff, update_with_retries
from mosaic.services.login import login_member
from mosaic.services.refresh import RefreshReason, refresh_membership
from tests.factories import embedded_backends, insert_member, sor_engine

NUMBER = "SIAM-0000001"


@pytest.fixture
def backends(tmp_path):
    engine = sor_engine(tmp_path)
    insert_member(engine)
    backends = embedded_backends(tmp_path, engine=engine)
    refresh_membership(backends, "SIAM", NUMBER, RefreshReason.IMPORT)
    return backends


def _extend(backends, **changes):
    stored = backends.documents.read(Container.MEMBERSHIPS, "SIAM", NUMBER)
    body = stored.body
    for path, value in changes.items():
        section, _, field = path.partition("__")
        if field:
            body = body | {section: body[section] | {field: value}}
        else:
            body = body | {section: value}
    backends.documents.replace(Container.MEMBERSHIPS, body, if_match=stored.etag)


def _stored(backends):
    return backends.documents.read(Container.MEMBERSHIPS, "SIAM", NUMBER).body


def test_fields_unknown_to_the_model_survive_a_device_registration(backends):
    _extend(
        backends,
        wallet={"passes": ["apple"]},
        loyalty__streak=4,
        devices=[{"deviceId": "old", "registeredAt": "2026-01-01T00:00:00Z", "colour": "red"}],
    )
    login_member(backends, "SIAM", "12345", DeviceDetails(device_id="new"), "10.0.0.1")
    body = _stored(backends)
    assert body["wallet"] == {"passes": ["apple"]}
    assert body["loyalty"]["streak"] == 4
    assert body["devices"][0]["colour"] == "red"
    assert [d["deviceId"] for d in body["devices"]] == ["old", "new"]


def test_sections_unknown_to_the_refresh_survive_it(backends):
    _extend(backends, wallet={"passes": ["apple"]}, loyalty__streak=4)
    refresh_membership(backends, "SIAM", NUMBER, RefreshReason.UPDATE)
    body = _stored(backends)
    assert body["wallet"] == {"passes": ["apple"]}
    assert body["loyalty"]["streak"] == 4


def test_a_document_of_a_newer_schema_is_not_rewritten_by_a_refresh(backends):
    _extend(backends, meta__schemaVersion=SCHEMA_VERSION + 1, membership__memberName="New Shape")
    before = _stored(backends)
    with pytest.raises(DocumentFromNewerSchema):
        refresh_membership(backends, "SIAM", NUMBER, RefreshReason.UPDATE)
    assert _stored(backends) == before
    outcomes = {e.body["outcome"] for e in backends.documents.query(Container.REFRESH_LOG, "SIAM")}
    assert "newer-schema" in outcomes


def test_a_document_of_a_newer_schema_is_not_rewritten_by_a_device_registration(backends):
    _extend(backends, meta__schemaVersion=SCHEMA_VERSION + 1)
    before = _stored(backends)
    with pytest.raises(DocumentFromNewerSchema):
        login_member(backends, "SIAM", "12345", DeviceDetails(device_id="d"), "10.0.0.1")
    assert _stored(backends) == before


def test_conflicts_back_off_with_growing_bounded_jittered_waits(backends):
    waits: list[float] = []
    jitter_bounds: list[tuple[float, float]] = []

    def always_stale(current):
        # Someone else writes between our read and our write, every time.
        backends.documents.upsert(Container.SYSTEM, {"id": "x", "program": "SIAM", "n": 1})
        return {"id": "x", "program": "SIAM", "n": 2} if current else None

    backends.documents.create(Container.SYSTEM, {"id": "x", "program": "SIAM", "n": 0})
    backoff = Backoff(attempts=5, first_seconds=0.01, cap_seconds=0.03)

    def jitter(low: float, high: float) -> float:
        jitter_bounds.append((low, high))
        return high / 2

    with pytest.raises(ConcurrentUpdate):
        update_with_retries(
            backends.documents,
            Container.SYSTEM,
            "SIAM",
            "x",
            always_stale,
            backoff=backoff,
            sleep=waits.append,
            jitter=jitter,
        )
    assert jitter_bounds == [(0.0, 0.01), (0.0, 0.02), (0.0, 0.03), (0.0, 0.03)]
    assert waits == [0.005, 0.01, 0.015, 0.015]


def test_a_document_this_code_writes_carries_this_codes_schema_version(backends):
    _extend(backends, meta__schemaVersion=SCHEMA_VERSION - 1)
    login_member(backends, "SIAM", "12345", DeviceDetails(device_id="d"), "10.0.0.1")
    assert _stored(backends)["meta"]["schemaVersion"] == SCHEMA_VERSION


def test_a_document_just_read_is_decided_on_as_it_is_and_written_without_a_second_read(backends):
    backends.documents.create(Container.SYSTEM, {"id": "x", "program": "SIAM", "n": 0})
    read = backends.documents.read(Container.SYSTEM, "SIAM", "x")
    seen = []

    def add_one(current):
        seen.append(current)
        return current.body | {"n": current.body["n"] + 1}

    update_with_retries(backends.documents, Container.SYSTEM, "SIAM", "x", add_one, just_read=read)

    assert seen == [read]
    assert seen[0] is read
    assert backends.documents.read(Container.SYSTEM, "SIAM", "x").body["n"] == 1


def test_a_document_just_read_that_changed_since_is_read_again_and_decided_again(backends):
    backends.documents.create(Container.SYSTEM, {"id": "x", "program": "SIAM", "n": 0})
    stale = backends.documents.read(Container.SYSTEM, "SIAM", "x")
    backends.documents.upsert(Container.SYSTEM, {"id": "x", "program": "SIAM", "n": 10})
    seen = []

    def add_one(current):
        seen.append(current.body["n"])
        return current.body | {"n": current.body["n"] + 1}

    update_with_retries(
        backends.documents,
        Container.SYSTEM,
        "SIAM",
        "x",
        add_one,
        just_read=stale,
        sleep=lambda _: None,
    )

    assert seen == [0, 10]
    assert backends.documents.read(Container.SYSTEM, "SIAM", "x").body["n"] == 11
