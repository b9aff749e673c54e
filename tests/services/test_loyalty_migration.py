"""The cut-over migration of a program's points expiries, run by an operator."""

from __future__ import annotations

from datetime import datetime

import pytest

from mosaic.domain.errors import InvalidField, ProgramNotFound
from mosaic.domain.loyalty.balances import ExpiringPoints, breakdown
from mosaic.domain.loyalty.due import next_due
from mosaic.domain.loyalty.migration import ExpiryMove
from mosaic.ports.documents import Container
from mosaic.services.loyalty_migration import migrate_expiry
from tests.domain.loyalty_factories import BANGKOK, at, carried_over, end_of
from tests.services.loyalty_world import (
    loyalty_world,
    put_membership,
    read_membership,
    rules,
)

RUN = at(2024, 9, 5, 10)
AUGUST_10, NOVEMBER_10 = (
    datetime(2024, 8, 10, tzinfo=BANGKOK),
    datetime(2024, 11, 10, tzinfo=BANGKOK),
)


@pytest.fixture
def backends(tmp_path):
    backends = loyalty_world(tmp_path, RUN)
    put_membership(backends, "M1", carried_over((3, AUGUST_10), (2, NOVEMBER_10)))
    put_membership(backends, "M2", carried_over((4, end_of(2024, 10, 31))))
    put_membership(backends, "M3")
    return backends


def test_the_migration_moves_expiries_to_month_ends_and_reports_each_move(backends):
    report = migrate_expiry(backends, "SIAM")

    assert (report.cutover_month, report.examined, report.points) == ("2024-09", 2, 5)
    [m1] = report.changed
    assert m1.membership_number == "M1"
    assert m1.moves == [
        ExpiryMove(AUGUST_10, end_of(2024, 9, 30), 3),
        ExpiryMove(NOVEMBER_10, end_of(2024, 11, 30), 2),
    ]
    document = read_membership(backends, "M1")
    assert breakdown(document.loyalty, RUN) == [
        ExpiringPoints(end_of(2024, 9, 30), 3),
        ExpiringPoints(end_of(2024, 11, 30), 2),
    ]
    # The daily job finds the moved points by their new expiry.
    assert document.loyalty.next_due == next_due(document, rules(backends), RUN)


def test_a_second_run_changes_nothing(backends):
    migrate_expiry(backends, "SIAM")
    before = backends.documents.read(Container.MEMBERSHIPS, "SIAM", "M1").etag

    again = migrate_expiry(backends, "SIAM")

    assert (again.examined, again.changed, again.points) == (2, [], 0)
    assert backends.documents.read(Container.MEMBERSHIPS, "SIAM", "M1").etag == before


def test_the_cutover_month_may_be_given(backends):
    report = migrate_expiry(backends, "SIAM", "2024-12")

    moved = {(m.membership_number, move.moved_to) for m in report.changed for move in m.moves}
    assert moved == {("M1", end_of(2024, 12, 31)), ("M2", end_of(2024, 12, 31))}


def test_a_cutover_month_not_written_yyyy_mm_is_refused(backends):
    with pytest.raises(InvalidField) as refused:
        migrate_expiry(backends, "SIAM", "2024-13")
    assert refused.value.field == "cutoverMonth"


def test_an_unknown_program_is_not_found(backends):
    with pytest.raises(ProgramNotFound):
        migrate_expiry(backends, "NOPE")
