"""What a membership did: static vouchers (some redeemed), tracked spend and reservations."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal

from mosaic.demo.codes import ProgramCodes
from mosaic.demo.dates import at, midnight
from mosaic.demo.members import Member
from mosaic.demo.network import Hotel, Network, Row

VOUCHER_TYPES = ("food", "room", "spa", "other")
VOUCHER_WEIGHTS = (40, 25, 20, 15)
AT_OUTLET = frozenset(("food", "other"))  # room and spa vouchers are redeemed at the front desk
TRACKING_DAYS = 425  # about 14 months
AVAILABILITY_DAYS = 120
Booked = Counter[tuple[str, date]]  # rooms booked per (hotel, night)


def _amount(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def voucher_rows(
    rng: random.Random, net: Network, today: date, codes: ProgramCodes, m: Member
) -> list[Row]:
    """2-6 vouchers for the current period; about a quarter have 5-digit codes."""
    rows: list[Row] = []
    types = rng.choices(VOUCHER_TYPES, VOUCHER_WEIGHTS, k=rng.randint(*m.package.vouchers))
    for kind in types:
        hotel = None if rng.random() < 0.4 else rng.choice(net.in_network)
        start = m.starts_on
        if rng.random() < 0.3:
            start += timedelta(days=rng.randint(1, 90))
        end = m.expires_on
        if rng.random() < 0.2:
            end = min(end, start + timedelta(days=rng.choice((90, 120, 180))))
        row = {
            "program": net.code,
            "code": codes.voucher_code(rng.random() < 0.25),
            "membership_number": m.number,
            "type": kind,
            "hotel": hotel.code if hotel else None,
            "valid_from": start,
            "valid_to": end,
        }
        rows.append(row | _voucher_state(rng, net, today, m, row, hotel))
    return rows


def _voucher_state(
    rng: random.Random, net: Network, today: date, m: Member, row: Row, hotel: Hotel | None
) -> Row:
    start: date = row["valid_from"]
    last = min(row["valid_to"], today - timedelta(days=1))
    state: Row = {"redeemed_at": None, "redeemed_hotel": None, "redeemed_outlet": None}
    if start <= last and rng.random() < 0.18:
        place = hotel or rng.choice(net.hotels)
        when = at(start + timedelta(days=rng.randint(0, (last - start).days)), 43_200)
        outlet = rng.choice(place.outlets) if row["type"] in AT_OUTLET else None
        return {
            "status": "redeemed",
            "redeemed_at": max(when, m.issued_at),
            "redeemed_hotel": place.code,
            "redeemed_outlet": outlet,
            "updated_at": max(when, m.issued_at),
        }
    status = "cancelled" if m.status == "cancelled" else "available"
    if row["valid_to"] < today:
        status = "expired"
    return state | {"status": status, "updated_at": m.issued_at}


def tracking_rows(rng: random.Random, net: Network, today: date, m: Member) -> list[Row]:
    """0-8 spends at outlets, within the membership's time and the last 14 months."""
    low = max(m.first_start, today - timedelta(days=TRACKING_DAYS))
    span = (min(m.expires_on, today - timedelta(days=1)) - low).days
    if span < 0:
        return []
    factor, cur = net.spec.spend_factor, net.spec.currency
    rows: list[Row] = []
    for i in range(1, rng.randint(0, 8) + 1):
        hotel = rng.choice(net.in_network if rng.random() < 0.85 else net.hotels)
        when = at(low + timedelta(days=rng.randint(0, span)), rng.randrange(3_600, 57_600))
        amount = (_amount(rng.randint(35_000, 1_200_000)) * factor).quantize(Decimal("0.01"))
        rows.append(
            {
                "id": f"{m.number}-T{i}",
                "program": net.code,
                "membership_number": m.number,
                "hotel": hotel.code,
                "outlet": rng.choice(hotel.outlets),
                "amount": amount,
                "currency": cur,
                "at": max(when, m.created_at),
                "updated_at": max(when, m.created_at),
            }
        )
    return rows


def reservation_rows(
    rng: random.Random, net: Network, today: date, m: Member, booked: Booked
) -> list[Row]:
    """0-3 stays, booked in the past, checking in while the membership runs."""
    low = m.first_start + timedelta(days=1)
    high = min(m.expires_on, today + timedelta(days=AVAILABILITY_DAYS - 1))
    count = rng.choices((0, 1, 2, 3), (45, 30, 17, 8))[0]
    rows: list[Row] = []
    for i in range(1, count + 1):
        hotel = rng.choice(net.in_network if rng.random() < 0.9 else net.hotels)
        check_in = low + timedelta(days=rng.randint(0, (high - low).days))
        nights = rng.choices((1, 2, 3, 4, 7), (30, 30, 20, 12, 8))[0]
        rooms = 2 if rng.random() < 0.15 else 1
        booked_at = _booking_time(rng, today, m, check_in)
        status, updated = _stay_state(rng, today, m, check_in, nights, booked_at)
        if status == "confirmed":
            for n in range(nights):
                booked[(hotel.code, check_in + timedelta(days=n))] += rooms
        rows.append(
            {
                "id": f"{m.number}-R{i}",
                "program": net.code,
                "membership_number": m.number,
                "hotel": hotel.code,
                "check_in": check_in,
                "nights": nights,
                "rooms": rooms,
                "amount": hotel.room_rate * nights * rooms,
                "currency": net.spec.currency,
                "status": status,
                "booked_at": booked_at,
                "updated_at": updated,
            }
        )
    return rows


def _booking_time(rng: random.Random, today: date, m: Member, check_in: date) -> datetime:
    day = check_in - timedelta(days=rng.randint(1, 45))
    day = min(max(day, m.first_start), today - timedelta(days=1))
    return max(at(day, rng.randrange(86_400)), m.created_at)


def _stay_state(
    rng: random.Random, today: date, m: Member, check_in: date, nights: int, booked_at: datetime
) -> tuple[str, datetime]:
    check_out = check_in + timedelta(days=nights)
    cancel = booked_at + (midnight(today) - booked_at) * rng.uniform(0.05, 0.5)
    if check_out < today:
        if rng.random() < 0.08:
            return "cancelled", min(cancel, at(check_in, 0))
        return "completed", at(check_out, 43_200)
    if m.status != "active" or rng.random() < 0.07:
        return "cancelled", cancel if check_in >= today else min(cancel, at(check_in, 0))
    return "confirmed", booked_at


def availability_rows(rng: random.Random, net: Network, today: date, booked: Booked) -> list[Row]:
    """Rooms per hotel and night for the next 120 days; member stays are part of the bookings."""
    rows: list[Row] = []
    for hotel in net.hotels:
        for n in range(AVAILABILITY_DAYS):
            night = today + timedelta(days=n)
            ours = booked[(hotel.code, night)]
            total = max(hotel.rooms, ours)
            busy = 0.25 + 0.2 * (night.weekday() >= 4) + rng.uniform(0, 0.35)
            others = total if rng.random() < 0.03 else int(total * busy)  # some nights sell out
            rows.append(
                {
                    "hotel": hotel.code,
                    "night": night,
                    "rooms_total": total,
                    "rooms_booked": min(total, ours + others),
                }
            )
    return rows
