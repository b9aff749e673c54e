"""Redemption policies (DESIGN section 6): the program's rules for one voucher type.

Each rule is a pure function of (rule, member, voucher, place, now, timezone) that passes or
raises PolicyRefused naming the rule. Every date is the program's business date: `now` and a
redemption's time are read in the program's timezone, so at 00:30 in Bangkok it is already
the next day there while UTC still has the previous one.

What the rules count is the membership's **live redemptions** of the voucher's type, static
and dynamic alike: redemptions recorded here (a Redemption on the document), not un-redeemed,
on a voucher still redeemed. A static voucher redeemed in the SoR only (before the digital
layer, or through the SoR fallback) has no time or place on record and counts for no rule.
The policy of a type applies to static and dynamic vouchers alike, as DESIGN section 6 says
(the original platform policed dynamic vouchers only).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import assert_never

from mosaic.domain.calendar import local_date
from mosaic.domain.errors import PolicyRefused
from mosaic.domain.membership import (
    DigitalMembership,
    Redemption,
    ReservationTransaction,
    Voucher,
    VoucherStatus,
)
from mosaic.domain.program import (
    AllowedHotels,
    AllowedWeekdays,
    BlackoutDates,
    MaxOutOfNetworkPerHotel,
    MaxPerDay,
    MaxPerStay,
    MinDaysBetween,
    PolicyRule,
    RedemptionPolicy,
)

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CANCELLED_STAY = "cancelled"


@dataclass(frozen=True)
class Place:
    """Where a voucher is presented: a hotel, maybe one of its outlets (None: the front desk,
    or a back office naming only the hotel), and whether the hotel is in the program's
    network (a partner hotel is not)."""

    hotel: str
    outlet: str | None
    in_network: bool


def live_redemption(voucher: Voucher) -> Redemption | None:
    """The redemption made here that the voucher's redeemed status stands for: its latest,
    unless un-redeemed since. None for a voucher not redeemed, or redeemed in the SoR only."""
    if voucher.status is not VoucherStatus.REDEEMED or not voucher.redemptions:
        return None
    latest = voucher.redemptions[-1]
    return latest if latest.unredeemed_at is None else None


def live_redemptions(
    member: DigitalMembership, like: Voucher
) -> Iterator[tuple[Voucher, Redemption]]:
    """The membership's live redemptions of vouchers of `like`'s type, with their voucher."""
    for voucher in [*member.static_vouchers, *member.dynamic_vouchers]:
        redemption = live_redemption(voucher) if voucher.type is like.type else None
        if redemption is not None:
            yield voucher, redemption


def check_policy(
    policy: RedemptionPolicy,
    member: DigitalMembership,
    voucher: Voucher,
    place: Place,
    now: datetime,
    timezone: str,
) -> None:
    """Every rule of the policy, in the order the program lists them: the first to refuse
    raises PolicyRefused."""
    for rule in policy.rules:
        check_rule(rule, member, voucher, place, now, timezone)


def check_rule(
    rule: PolicyRule,
    member: DigitalMembership,
    voucher: Voucher,
    place: Place,
    now: datetime,
    timezone: str,
) -> None:
    match rule:
        case MaxOutOfNetworkPerHotel():
            max_out_of_network_per_hotel(rule, member, voucher, place, now, timezone)
        case MaxPerDay():
            max_per_day(rule, member, voucher, place, now, timezone)
        case MaxPerStay():
            max_per_stay(rule, member, voucher, place, now, timezone)
        case MinDaysBetween():
            min_days_between(rule, member, voucher, place, now, timezone)
        case AllowedWeekdays():
            allowed_weekdays(rule, member, voucher, place, now, timezone)
        case BlackoutDates():
            blackout_dates(rule, member, voucher, place, now, timezone)
        case AllowedHotels():
            allowed_hotels(rule, member, voucher, place, now, timezone)
        case _:
            assert_never(rule)


def max_out_of_network_per_hotel(
    rule: MaxOutOfNetworkPerHotel,
    member: DigitalMembership,
    voucher: Voucher,
    place: Place,
    now: datetime,
    timezone: str,
) -> None:
    """A network-wide voucher (one of no hotel) of this type may be used at most `limit`
    times per hotel by a membership: with 1 on room vouchers, a second network-wide room
    voucher at the same hotel is refused, one at another hotel is accepted. A hotel's own
    voucher is not concerned (nor counted).

    "Out of network" is the original spec's word for a voucher used outside any one hotel's
    own allotment, which DESIGN section 6 settles as network-wide; the hotel's `in_network`
    flag plays no part: the rule holds at network and partner hotels alike, else a member
    could use every network-wide room voucher at one network hotel, the very case it exists
    for."""
    if voucher.hotel is not None:
        return
    used = sum(
        1
        for other, redemption in live_redemptions(member, voucher)
        if other.hotel is None and redemption.hotel == place.hotel
    )
    if used >= rule.limit:
        raise PolicyRefused(
            rule.rule,
            f"a network-wide {voucher.type} voucher may be used {_times(rule.limit)} per hotel "
            f"by a membership; this one has used {used} at {place.hotel}",
        )


def max_per_day(
    rule: MaxPerDay,
    member: DigitalMembership,
    voucher: Voucher,
    place: Place,
    now: datetime,
    timezone: str,
) -> None:
    """At most `limit` vouchers of this type redeemed by the membership on the program's
    business date of `now`, at any hotel."""
    today = local_date(now, timezone)
    used = sum(
        1
        for _, redemption in live_redemptions(member, voucher)
        if local_date(redemption.redeemed_at, timezone) == today
    )
    if used >= rule.limit:
        raise PolicyRefused(
            rule.rule,
            f"at most {rule.limit} {voucher.type} voucher(s) a day; this membership has "
            f"redeemed {used} on {today.isoformat()} ({timezone})",
        )


def max_per_stay(
    rule: MaxPerStay,
    member: DigitalMembership,
    voucher: Voucher,
    place: Place,
    now: datetime,
    timezone: str,
) -> None:
    """At most `limit` vouchers of this type redeemed at this hotel during the member's stay
    there that covers today (see `stay_at`). A visit without a stay on record counts as a
    stay of one day (today): the document knows only the stays booked through the SoR, so a
    walk-in guest, a guest booked elsewhere or a diner who is not staying is limited per day
    at that hotel rather than refused."""
    today = local_date(now, timezone)
    first, last = stay_at(member.reservation_transactions, place.hotel, today) or (today, today)
    used = sum(
        1
        for _, redemption in live_redemptions(member, voucher)
        if redemption.hotel == place.hotel
        and first <= local_date(redemption.redeemed_at, timezone) <= last
    )
    if used >= rule.limit:
        raise PolicyRefused(
            rule.rule,
            f"at most {rule.limit} {voucher.type} voucher(s) per stay; this membership has "
            f"redeemed {used} at {place.hotel} during the stay from {first.isoformat()} to "
            f"{last.isoformat()}",
        )


def stay_at(
    reservations: list[ReservationTransaction], hotel: str, today: date
) -> tuple[date, date] | None:
    """The first and last night of the member's stay at the hotel that covers `today`, or
    None. A reservation not cancelled covers its nights, from check-in up to the day before
    check-out; bookings that follow each other without a gap (an extension, a change of
    room) are one stay."""
    nights = {
        r.check_in + timedelta(days=n)
        for r in reservations
        if r.hotel == hotel and r.status.lower() != CANCELLED_STAY
        for n in range(r.nights)
    }
    if today not in nights:
        return None
    first = last = today
    while first - timedelta(days=1) in nights:
        first -= timedelta(days=1)
    while last + timedelta(days=1) in nights:
        last += timedelta(days=1)
    return first, last


def min_days_between(
    rule: MinDaysBetween,
    member: DigitalMembership,
    voucher: Voucher,
    place: Place,
    now: datetime,
    timezone: str,
) -> None:
    """At least `days` program days between the last live redemption of this type (at any
    hotel) and today: with 7, a voucher redeemed on a Monday allows the next one from the
    following Monday."""
    today = local_date(now, timezone)
    last = max(
        (local_date(r.redeemed_at, timezone) for _, r in live_redemptions(member, voucher)),
        default=None,
    )
    if last is not None and (today - last).days < rule.days:
        raise PolicyRefused(
            rule.rule,
            f"{rule.days} day(s) must pass between two {voucher.type} vouchers; the last was "
            f"redeemed on {last.isoformat()}, the next may be from "
            f"{(last + timedelta(days=rule.days)).isoformat()} ({timezone})",
        )


def allowed_weekdays(
    rule: AllowedWeekdays,
    member: DigitalMembership,
    voucher: Voucher,
    place: Place,
    now: datetime,
    timezone: str,
) -> None:
    """Only on the listed ISO weekdays (1 = Monday) of the program's business date."""
    today = local_date(now, timezone)
    if today.isoweekday() not in rule.weekdays:
        allowed = ", ".join(WEEKDAYS[d - 1] for d in sorted(rule.weekdays) if 1 <= d <= 7)
        raise PolicyRefused(
            rule.rule,
            f"{voucher.type} vouchers are redeemed on {allowed or 'no day'} only; today "
            f"({today.isoformat()}, {timezone}) is a {WEEKDAYS[today.weekday()]}",
        )


def blackout_dates(
    rule: BlackoutDates,
    member: DigitalMembership,
    voucher: Voucher,
    place: Place,
    now: datetime,
    timezone: str,
) -> None:
    """Never on a listed date of the program's calendar."""
    today = local_date(now, timezone)
    if today in rule.dates:
        raise PolicyRefused(
            rule.rule,
            f"{voucher.type} vouchers are not redeemed on {today.isoformat()} ({timezone}): "
            "a blackout date",
        )


def allowed_hotels(
    rule: AllowedHotels,
    member: DigitalMembership,
    voucher: Voucher,
    place: Place,
    now: datetime,
    timezone: str,
) -> None:
    """Only at the listed hotels."""
    if place.hotel not in rule.hotels:
        raise PolicyRefused(
            rule.rule,
            f"{voucher.type} vouchers are redeemed at {', '.join(rule.hotels) or 'no hotel'} "
            f"only, not at {place.hotel}",
        )


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"
