"""The daily expiry (negative entries taking expired points to 0) and tiers."""

from datetime import UTC, datetime

from mosaic.domain.loyalty.balances import balance_at
from mosaic.domain.loyalty.earning import adjust, earn, reverse_booking
from mosaic.domain.loyalty.entries import LedgerKind
from mosaic.domain.loyalty.expiring import expire_due
from mosaic.domain.loyalty.ledger import Loyalty
from mosaic.domain.loyalty.tiers import TierChange, evaluate_tier
from mosaic.domain.program import Tier
from tests.domain.loyalty_factories import SILVER, at, earned, end_of, rules, thb


def test_without_a_booking_for_four_months_the_points_expire_and_become_zero():
    loyalty = earned(at(2024, 1, 10), at(2024, 1, 20), at(2024, 1, 25), mode="rolling")

    expiry = expire_due(loyalty, at(2024, 6, 1, 8), rules())

    assert expiry.points == 3
    [entry] = expiry.entries
    assert (entry.kind, entry.points, entry.expires_at) == (
        LedgerKind.EXPIRE,
        -3,
        end_of(2024, 5, 31),
    )
    assert expiry.loyalty.balance == 0
    assert balance_at(expiry.loyalty, at(2024, 6, 1, 8)) == 0


def test_nothing_expires_before_the_local_midnight_after_the_last_day():
    loyalty = earned(at(2024, 1, 10))

    assert expire_due(loyalty, at(2024, 5, 31, 23, 59), rules()).entries == []
    # 1 June 00:00 in Bangkok is still 31 May in UTC: the program's midnight decides.
    assert expire_due(loyalty, datetime(2024, 5, 31, 17, 0, tzinfo=UTC), rules()).points == 1


def test_the_expiry_run_twice_expires_nothing_more():
    loyalty = earned(at(2024, 1, 10), at(2024, 3, 10), mode="lot")

    first = expire_due(loyalty, at(2024, 6, 1, 8), rules())
    second = expire_due(first.loyalty, at(2024, 6, 1, 8), rules())
    next_day = expire_due(first.loyalty, at(2024, 6, 2, 8), rules())

    assert first.points == 1
    assert (second.entries, next_day.entries) == ([], [])
    assert second.loyalty.ledger == first.loyalty.ledger
    assert balance_at(first.loyalty, at(2024, 6, 1, 8)) == 1


def test_a_late_run_writes_one_entry_per_expiry_oldest_first():
    loyalty = earned(at(2024, 1, 10), at(2024, 2, 10), at(2024, 2, 11), mode="lot")

    expiry = expire_due(loyalty, at(2024, 8, 1, 8), rules())

    assert [(e.expires_at, e.points) for e in expiry.entries] == [
        (end_of(2024, 5, 31), -1),
        (end_of(2024, 6, 30), -2),
    ]


def test_expiry_takes_only_what_is_left_after_a_cancellation():
    lot = rules("lot", points_per_booking=2)
    loyalty = earn(Loyalty(), "B-1", thb("500"), at(2024, 1, 10), lot).loyalty
    loyalty = earn(loyalty, "B-2", thb("500"), at(2024, 1, 11), lot).loyalty
    loyalty = reverse_booking(loyalty, "B-1", at(2024, 2, 1)).loyalty

    expiry = expire_due(loyalty, at(2024, 6, 1, 8), rules())

    assert expiry.points == 2
    assert expiry.loyalty.balance == 0


def test_a_tier_is_granted_when_the_active_balance_reaches_its_threshold():
    loyalty = earned(at(2024, 1, 10), points=4)
    assert evaluate_tier(loyalty, at(2024, 1, 10), rules()).change is None

    loyalty = adjust(loyalty, 1, "welcome", "staff-1", at(2024, 1, 15), rules()).loyalty
    decision = evaluate_tier(loyalty, at(2024, 1, 15), rules())

    assert decision.change == TierChange(None, "silver", end_of(2024, 5, 31), 5)
    assert decision.loyalty.tier == "silver"
    assert decision.loyalty.tier_granted_at == at(2024, 1, 15)
    assert decision.loyalty.tier_expires_at == end_of(2024, 5, 31)


def test_a_higher_threshold_upgrades_at_once_with_a_new_validity():
    silver = evaluate_tier(earned(at(2024, 1, 10), points=5), at(2024, 1, 10), rules()).loyalty
    richer = adjust(silver, 5, "bonus", "staff-1", at(2024, 3, 2), rules()).loyalty

    decision = evaluate_tier(richer, at(2024, 3, 2), rules())

    assert decision.change == TierChange("silver", "gold", end_of(2024, 7, 31), 10)


def test_a_tier_is_held_until_it_lapses_even_when_the_balance_falls():
    lot = rules("lot", points_per_booking=5)
    loyalty = earn(Loyalty(), "B-1", thb("500"), at(2024, 1, 10), lot).loyalty
    silver = evaluate_tier(loyalty, at(2024, 1, 10), lot).loyalty
    cancelled = reverse_booking(silver, "B-1", at(2024, 1, 20)).loyalty

    held = evaluate_tier(cancelled, at(2024, 5, 31, 23, 59), lot)
    lapsed = evaluate_tier(cancelled, at(2024, 6, 1, 8), lot)

    assert (held.change, held.loyalty.tier) == (None, "silver")
    assert lapsed.change == TierChange("silver", None, None, 0)
    assert (lapsed.loyalty.tier, lapsed.loyalty.tier_expires_at) == (None, None)
    assert evaluate_tier(lapsed.loyalty, at(2024, 6, 2, 8), lot).change is None


def test_a_lapsed_tier_is_granted_again_from_the_active_balance():
    gold = Tier(name="gold", threshold=15, image="https://img.example/gold.png")
    rolling = rules(points_per_booking=5, tiers=[SILVER, gold])
    loyalty = earn(Loyalty(), "B-1", thb("500"), at(2024, 1, 10), rolling).loyalty
    silver = evaluate_tier(loyalty, at(2024, 1, 10), rolling).loyalty
    kept = earn(silver, "B-2", thb("500"), at(2024, 5, 2), rolling).loyalty  # points to Sep
    assert evaluate_tier(kept, at(2024, 5, 2), rolling).change is None  # 10: still silver

    renewed = evaluate_tier(kept, at(2024, 6, 1, 8), rolling)

    assert renewed.change == TierChange("silver", "silver", end_of(2024, 10, 31), 10)
    assert renewed.loyalty.tier_granted_at == at(2024, 6, 1, 8)


def test_the_re_evaluation_excludes_points_expired_but_not_yet_written():
    lot = rules("lot", points_per_booking=5)
    loyalty = earn(Loyalty(), "B-1", thb("500"), at(2024, 1, 10), lot).loyalty
    silver = evaluate_tier(loyalty, at(2024, 1, 10), lot).loyalty

    decision = evaluate_tier(silver, at(2024, 6, 1, 0, 1), lot)  # before the expiry run

    assert decision.change == TierChange("silver", None, None, 0)


def test_a_tier_without_an_expiry_or_no_longer_offered_is_re_evaluated():
    legacy = earned(at(2024, 1, 10), points=10).model_copy(update={"tier": "platinum"})

    decision = evaluate_tier(legacy, at(2024, 2, 1), rules())

    assert decision.change == TierChange("platinum", "gold", end_of(2024, 6, 30), 10)
