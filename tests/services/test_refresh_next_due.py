"""A refresh that moves the membership's expiry date (or ends it) moves `loyalty.nextDue`,
so the daily job finds the renewal reminders on their new days."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from mosaic.adapters.sor import schema as t
from mosaic.domain.loyalty.due import NEXT_DUE, due_by
from mosaic.ports.documents import Container, Where
from mosaic.services.refresh import RefreshReason, refresh_membership
from tests.factories import NOW, embedded_backends, insert_member, sor_engine

NUMBER = "SIAM-0000001"


def _change_membership(engine: sa.Engine, **values: object) -> None:
    m = t.memberships.c
    with engine.begin() as c:
        c.execute(
            sa.update(t.memberships)
            .where(m.membership_number == NUMBER)
            .values(**values, updated_at=NOW - timedelta(minutes=1))
        )


def _next_due(backends) -> str | None:
    body = backends.documents.read(Container.MEMBERSHIPS, "SIAM", NUMBER).body
    value: str | None = body["loyalty"].get("nextDue")
    return value


def test_a_refresh_that_moves_the_expiry_date_moves_next_due_to_the_new_renewal_reminder(
    tmp_path,
):
    engine = sor_engine(tmp_path)
    insert_member(engine)  # expires 28 Feb 2027
    backends = embedded_backends(tmp_path, engine=engine)
    refresh_membership(backends, "SIAM", NUMBER, RefreshReason.MANUAL)
    # D-30 of 28 Feb 2027: 29 Jan 2027, from midnight in Bangkok.
    assert _next_due(backends) == "2027-01-28T17:00:00Z"

    _change_membership(engine, expires_on=date(2027, 6, 30))
    refresh_membership(backends, "SIAM", NUMBER, RefreshReason.MANUAL)

    assert _next_due(backends) == "2027-05-30T17:00:00Z"  # D-30 of 30 Jun 2027
    due_in_february = [Where(NEXT_DUE, "<=", due_by(NOW.replace(year=2027, month=2, day=1)))]
    assert backends.documents.query(Container.MEMBERSHIPS, "SIAM", where=due_in_february) == []


def test_a_membership_no_longer_active_has_nothing_due(tmp_path):
    engine = sor_engine(tmp_path)
    insert_member(engine)
    backends = embedded_backends(tmp_path, engine=engine)
    refresh_membership(backends, "SIAM", NUMBER, RefreshReason.MANUAL)

    _change_membership(engine, status="cancelled")
    refresh_membership(backends, "SIAM", NUMBER, RefreshReason.MANUAL)

    assert _next_due(backends) is None
