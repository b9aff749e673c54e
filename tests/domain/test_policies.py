"""Redemption policy rules (DESIGN section 6), each judged on its own, in Bangkok's calendar."""

from datetime import UTC, date, datetime, timedelta

import pytest

from mosaic.domain.errors import PolicyRefused
from mosaic.domain.membership import DigitalMembership
from mosaic.domain.policies import (
    Place,
    allowed_hotels,
    allowed_weekdays,
    blackout_dates,
    check_policy,
    max_out_of_network_per_hotel,
    max_per_day,
    max_per_stay,
    min_days_between,
    stay_at,
)
from mosaic.domain.program import (
    AllowedHotels,
    AllowedWeekdays,
    BlackoutDates,
    MaxOutOfNetworkPerHotel,
    MaxPerDay,
    MaxPerStay,
    MinDaysBetween,
    RedemptionPolicy,
)
from mosaic.domain.redemption import check_redemption, find_voucher, unredeemed
from tests.domain.voucher_factories import (
    H01,
    H02,
    PARTNER,
    TIMEZONE,
    bangkok,
    dynamic,
    member,
    redeem,
    stay,
)
from tests.factories import NOW

ONE_PER_HOTEL = MaxOutOfNetworkPerHotel(limit=1)


def refusal(check, rule, document: DigitalMembership, code: str, place: Place, now: datetime):
    """The PolicyRefused a rule raises for the voucher, checking it names the rule."""
    with pytest.raises(PolicyRefused) as refused:
        check(rule, document, find_voucher(document, code), place, now, TIMEZONE)
    assert refused.value.rule == rule.rule
    return refused.value


def passes(check, rule, document: DigitalMembership, code: str, place: Place, now: datetime):
    check(rule, document, find_voucher(document, code), place, now, TIMEZONE)


def test_original_example_second_network_wide_room_voucher_at_one_hotel_is_refused():
    policy = RedemptionPolicy(rules=[ONE_PER_HOTEL])
    document = redeem(member(dynamic("100001"), dynamic("100002")), "100001", H01, NOW)
    second = find_voucher(document, "100002")
    with pytest.raises(PolicyRefused) as refused:
        check_redemption(document, second, H01, NOW, TIMEZONE, policy)
    assert refused.value.rule == "maxOutOfNetworkPerHotel"
    assert "SIAM-H01" in refused.value.detail
    check_redemption(document, second, H02, NOW, TIMEZONE, policy)


def test_out_of_network_limit_ignores_hotel_vouchers_other_types_and_reversals():
    document = member(
        dynamic("100001"),
        dynamic("100002", hotel="SIAM-H01"),
        dynamic("100003", type="food"),
        dynamic("100004"),
        dynamic("100005"),
    )
    document = redeem(document, "100002", H01, NOW)
    document = redeem(document, "100003", H01, NOW)
    passes(max_out_of_network_per_hotel, ONE_PER_HOTEL, document, "100001", H01, NOW)
    document = redeem(document, "100004", H01, NOW)
    document = unredeemed(document, "100004", NOW, "agent-1")
    passes(max_out_of_network_per_hotel, ONE_PER_HOTEL, document, "100001", H01, NOW)
    document = redeem(document, "100005", H01, NOW)
    # The hotel's own voucher is not limited by the network-wide ones used there.
    passes(max_out_of_network_per_hotel, ONE_PER_HOTEL, document, "100002", H01, NOW)


def test_out_of_network_limit_holds_at_partner_hotels_too():
    document = redeem(member(dynamic("100001"), dynamic("100002")), "100001", PARTNER, NOW)
    refusal(max_out_of_network_per_hotel, ONE_PER_HOTEL, document, "100002", PARTNER, NOW)


def test_out_of_network_limit_of_two_allows_a_second_at_the_same_hotel():
    rule = MaxOutOfNetworkPerHotel(limit=2)
    document = member(dynamic("100001"), dynamic("100002"), dynamic("100003"))
    document = redeem(document, "100001", H01, NOW)
    passes(max_out_of_network_per_hotel, rule, document, "100002", H01, NOW)
    document = redeem(document, "100002", H01, NOW)
    refusal(max_out_of_network_per_hotel, rule, document, "100003", H01, NOW)


def food_member(*redeemed_at: datetime) -> DigitalMembership:
    """Food vouchers 200001... of which the first ones were redeemed at those times."""
    codes = [f"20000{n}" for n in range(1, len(redeemed_at) + 2)]
    document = member(*(dynamic(code, type="food", hotel=None) for code in codes))
    for code, at in zip(codes, redeemed_at, strict=False):
        document = redeem(document, code, H01, at)
    return document


def codes_of(document: DigitalMembership) -> list[str]:
    return [v.code for v in document.dynamic_vouchers]


def test_max_per_day_refuses_past_the_limit_counting_every_hotel():
    rule = MaxPerDay(limit=2)
    document = food_member(NOW - timedelta(hours=2), NOW - timedelta(hours=1))
    last = codes_of(document)[-1]
    assert refusal(max_per_day, rule, document, last, H02, NOW).detail.startswith("at most 2")
    passes(max_per_day, rule, document, last, H01, NOW + timedelta(days=1))


def test_max_per_day_starts_a_new_day_at_midnight_in_bangkok_not_utc():
    rule = MaxPerDay(limit=1)
    # Redeemed 21 Nov 23:00 in Bangkok; now 00:30 there on the 22nd, still the 21st in UTC.
    document = food_member(bangkok(2026, 11, 21, 23, 0))
    after_midnight = bangkok(2026, 11, 22, 0, 30)
    assert after_midnight.astimezone(UTC).date() == date(2026, 11, 21)
    passes(max_per_day, rule, document, "200002", H01, after_midnight)
    # Redeemed 06:30 on the 21st in Bangkok (the 20th in UTC): the same day there at 16:30.
    document = food_member(bangkok(2026, 11, 21, 6, 30))
    refusal(max_per_day, rule, document, "200002", H01, bangkok(2026, 11, 21, 16, 30))


def spa_member(*stays, redeemed: tuple[tuple[str, Place, datetime], ...] = ()):
    """Spa vouchers 300001-300004 and the stays; `redeemed` = (code, place, at) each."""
    document = member(*(dynamic(f"30000{n}", type="spa") for n in range(1, 5)), stays=stays)
    for code, place, at in redeemed:
        document = redeem(document, code, place, at)
    return document


def test_max_per_stay_counts_this_hotels_redemptions_during_the_stay_covering_today():
    rule = MaxPerStay(limit=1)
    three_nights = stay("SIAM-H01", date(2026, 11, 20), 3)  # nights of 20, 21, 22 Nov
    document = spa_member(three_nights, redeemed=(("300001", H01, bangkok(2026, 11, 20)),))
    refused = refusal(max_per_stay, rule, document, "300002", H01, bangkok(2026, 11, 22, 23))
    assert "from 2026-11-20 to 2026-11-22" in refused.detail
    # A redemption before the stay, or at another hotel, is not of this stay.
    before = spa_member(three_nights, redeemed=(("300001", H01, bangkok(2026, 11, 19)),))
    passes(max_per_stay, rule, before, "300002", H01, bangkok(2026, 11, 21))
    elsewhere = spa_member(three_nights, redeemed=(("300001", H02, bangkok(2026, 11, 20)),))
    passes(max_per_stay, rule, elsewhere, "300002", H01, bangkok(2026, 11, 21))


def test_max_per_stay_without_a_stay_limits_the_visit_to_one_day():
    rule = MaxPerStay(limit=1)
    cancelled = stay("SIAM-H01", date(2026, 11, 20), 3, status="cancelled")
    document = spa_member(cancelled, redeemed=(("300001", H01, bangkok(2026, 11, 21, 9)),))
    refusal(max_per_stay, rule, document, "300002", H01, bangkok(2026, 11, 21, 20))
    passes(max_per_stay, rule, document, "300002", H01, bangkok(2026, 11, 22, 9))


def test_back_to_back_bookings_are_one_stay():
    first = stay("SIAM-H01", date(2026, 11, 20), 2)
    extension = stay("SIAM-H01", date(2026, 11, 22), 2)
    elsewhere = stay("SIAM-H02", date(2026, 11, 24), 2)
    reservations = [first, extension, elsewhere]
    assert stay_at(reservations, "SIAM-H01", date(2026, 11, 23)) == (
        date(2026, 11, 20),
        date(2026, 11, 23),
    )
    assert stay_at(reservations, "SIAM-H01", date(2026, 11, 24)) is None  # check-out day


def test_min_days_between_counts_program_days_since_the_last_redemption():
    rule = MinDaysBetween(days=7)
    document = spa_member(
        redeemed=(
            ("300001", H01, bangkok(2026, 11, 2)),
            ("300002", H02, bangkok(2026, 11, 16, 23, 30)),
        )
    )
    refused = refusal(min_days_between, rule, document, "300003", H01, bangkok(2026, 11, 22, 23))
    assert "from 2026-11-23" in refused.detail
    passes(min_days_between, rule, document, "300003", H01, bangkok(2026, 11, 23, 0, 5))
    passes(min_days_between, rule, spa_member(), "300003", H01, NOW)


def test_allowed_weekdays_are_judged_in_bangkok_around_midnight():
    weekdays = AllowedWeekdays(weekdays=[1, 2, 3, 4, 5])
    document = member(dynamic("100001"))
    # Monday 00:30 in Bangkok, still Sunday in UTC: allowed.
    monday = bangkok(2026, 11, 23, 0, 30)
    assert monday.astimezone(UTC).isoweekday() == 7
    passes(allowed_weekdays, weekdays, document, "100001", H01, monday)
    # Saturday 00:30 in Bangkok, still Friday in UTC: refused.
    saturday = bangkok(2026, 11, 28, 0, 30)
    assert saturday.astimezone(UTC).isoweekday() == 5
    refused = refusal(allowed_weekdays, weekdays, document, "100001", H01, saturday)
    assert "Monday, Tuesday, Wednesday, Thursday, Friday" in refused.detail
    assert "is a Saturday" in refused.detail
    passes(allowed_weekdays, weekdays, document, "100001", H01, bangkok(2026, 11, 27, 23, 59))


def test_blackout_dates_are_program_dates_around_midnight():
    blackout = BlackoutDates(dates=[date(2026, 12, 25)])
    document = member(dynamic("100001"))
    christmas_begun = bangkok(2026, 12, 25, 0, 30)  # 24 Dec in UTC
    assert christmas_begun.astimezone(UTC).date() == date(2026, 12, 24)
    refusal(blackout_dates, blackout, document, "100001", H01, christmas_begun)
    boxing_day = bangkok(2026, 12, 26, 0, 30)  # still 25 Dec in UTC
    assert boxing_day.astimezone(UTC).date() == date(2026, 12, 25)
    passes(blackout_dates, blackout, document, "100001", H01, boxing_day)


def test_allowed_hotels():
    rule = AllowedHotels(hotels=["SIAM-H01"])
    document = member(dynamic("100001"))
    passes(allowed_hotels, rule, document, "100001", H01, NOW)
    assert "not at SIAM-H02" in refusal(allowed_hotels, rule, document, "100001", H02, NOW).detail


def test_a_policy_answers_the_first_rule_that_refuses_in_its_order():
    document = redeem(member(dynamic("100001"), dynamic("100002")), "100001", H01, NOW)
    voucher = find_voucher(document, "100002")
    rules = [AllowedHotels(hotels=["SIAM-H02"]), ONE_PER_HOTEL]
    with pytest.raises(PolicyRefused) as refused:
        check_policy(RedemptionPolicy(rules=rules), document, voucher, H01, NOW, TIMEZONE)
    assert refused.value.rule == "allowedHotels"
    check_policy(RedemptionPolicy(), document, voucher, H01, NOW, TIMEZONE)


def test_rules_are_read_from_the_program_documents_json():
    policy = RedemptionPolicy.model_validate(
        {
            "rules": [
                {"rule": "maxOutOfNetworkPerHotel", "limit": 1},
                {"rule": "maxPerDay", "limit": 2},
            ]
        }
    )
    assert policy.rules == [ONE_PER_HOTEL, MaxPerDay(limit=2)]
