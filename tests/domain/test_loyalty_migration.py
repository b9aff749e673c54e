"""The cut-over migration of the old system's expiry dates (default cut-over: Sep 2024)."""

from datetime import date, datetime

import pytest

from mosaic.domain.errors import InvalidField
from mosaic.domain.loyalty.balances import ExpiringPoints, breakdown
from mosaic.domain.loyalty.entries import LedgerKind
from mosaic.domain.loyalty.expiring import expire_due
from mosaic.domain.loyalty.migration import ExpiryMove, cutover_month, migrate_expiry
from tests.domain.loyalty_factories import BANGKOK, TIMEZONE, at, carried_over, end_of, rules

SEPTEMBER = cutover_month(rules().settings.migration_month)
RUN = at(2024, 9, 5, 10)


def test_the_default_cutover_month_is_september_2024():
    assert rules().settings.migration_month == "2024-09"
    assert date(2024, 9, 1) == SEPTEMBER


def test_expiries_before_the_cutover_month_move_to_its_end():
    loyalty = carried_over((3, datetime(2024, 8, 10, tzinfo=BANGKOK)))

    migration = migrate_expiry(loyalty, SEPTEMBER, TIMEZONE, RUN)

    assert migration.moves == [
        ExpiryMove(datetime(2024, 8, 10, tzinfo=BANGKOK), end_of(2024, 9, 30), 3)
    ]
    assert breakdown(migration.loyalty, RUN) == [ExpiringPoints(end_of(2024, 9, 30), 3)]


def test_later_expiries_round_up_to_the_end_of_their_own_month():
    loyalty = carried_over((2, datetime(2024, 11, 10, tzinfo=BANGKOK)))

    migration = migrate_expiry(loyalty, SEPTEMBER, TIMEZONE, RUN)

    assert migration.moves == [
        ExpiryMove(datetime(2024, 11, 10, tzinfo=BANGKOK), end_of(2024, 11, 30), 2)
    ]


def test_every_kind_of_old_expiry_lands_on_a_month_end_and_the_report_says_what_moved():
    loyalty = carried_over(
        (1, datetime(2024, 3, 10, tzinfo=BANGKOK)),  # long past: never enforced, moves
        (2, None),  # never expired in the old system
        (4, datetime(2024, 9, 15, 9, tzinfo=BANGKOK)),  # in the cut-over month
        (8, end_of(2024, 10, 31)),  # already a month end: stays
        (16, datetime(2024, 11, 10, tzinfo=BANGKOK)),
    )

    migration = migrate_expiry(loyalty, SEPTEMBER, TIMEZONE, RUN)

    assert breakdown(migration.loyalty, RUN) == [
        ExpiringPoints(end_of(2024, 9, 30), 1 + 2 + 4),
        ExpiringPoints(end_of(2024, 10, 31), 8),
        ExpiringPoints(end_of(2024, 11, 30), 16),
    ]
    assert [m.moved_from for m in migration.moves] == [
        None,
        datetime(2024, 3, 10, tzinfo=BANGKOK),
        datetime(2024, 9, 15, 9, tzinfo=BANGKOK),
        datetime(2024, 11, 10, tzinfo=BANGKOK),
    ]
    assert migration.points == 1 + 2 + 4 + 16
    new = migration.loyalty.ledger[len(loyalty.ledger) :]
    assert {(e.kind, e.points, e.at) for e in new} == {(LedgerKind.MIGRATE, 0, RUN)}
    assert migration.loyalty.balance == loyalty.balance


def test_the_migration_run_twice_changes_nothing_the_second_time():
    loyalty = carried_over(
        (3, datetime(2024, 8, 10, tzinfo=BANGKOK)), (2, datetime(2024, 11, 10, tzinfo=BANGKOK))
    )
    first = migrate_expiry(loyalty, SEPTEMBER, TIMEZONE, RUN)

    second = migrate_expiry(first.loyalty, SEPTEMBER, TIMEZONE, at(2024, 9, 6))

    assert len(first.moves) == 2
    assert (second.moves, second.points) == ([], 0)
    assert second.loyalty.ledger == first.loyalty.ledger


def test_points_moved_to_30_september_are_taken_to_zero_by_the_next_expiry_run():
    loyalty = carried_over(
        (3, datetime(2024, 8, 10, tzinfo=BANGKOK)), (2, datetime(2024, 11, 10, tzinfo=BANGKOK))
    )
    migrated = migrate_expiry(loyalty, SEPTEMBER, TIMEZONE, RUN).loyalty

    assert expire_due(migrated, at(2024, 9, 30, 23, 59), rules()).entries == []
    expiry = expire_due(migrated, at(2024, 10, 1, 8), rules())

    assert [(e.points, e.expires_at) for e in expiry.entries] == [(-3, end_of(2024, 9, 30))]
    assert expiry.loyalty.balance == 2


def test_points_already_expired_are_not_revived_by_the_migration():
    loyalty = carried_over((3, end_of(2024, 8, 31)))
    expired = expire_due(loyalty, at(2024, 9, 1, 8), rules()).loyalty

    migration = migrate_expiry(expired, SEPTEMBER, TIMEZONE, RUN)

    assert (migration.moves, migration.loyalty.balance) == ([], 0)


@pytest.mark.parametrize("month", ["2024-13", "2024-9", "Sep 2024", ""])
def test_a_cutover_month_must_be_a_month(month):
    with pytest.raises(InvalidField, match="cutoverMonth"):
        cutover_month(month)
