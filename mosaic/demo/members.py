"""One membership's own rows: the membership, its membership transactions and devices."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from mosaic.demo import catalog
from mosaic.demo.codes import ProgramCodes
from mosaic.demo.dates import add_months, at, midnight
from mosaic.demo.network import PACKAGE_MONTHS, Network, Package, Row

NO_CHARGE = Decimal("0.00")
HISTORY_DAYS = 547  # memberships started within the last ~18 months


@dataclass(frozen=True, slots=True)
class Member:
    number: str
    package: Package
    status: str
    first_start: date  # of the first period (purchase)
    starts_on: date  # of the current period (renewal or purchase)
    expires_on: date
    created_at: datetime
    issued_at: datetime  # purchase or renewal: when the current period's vouchers were issued


def new_member(
    rng: random.Random, net: Network, today: date, codes: ProgramCodes, index: int
) -> tuple[Member, Row]:
    """The membership number `index` + 1 of the program, with its row."""
    first = today - timedelta(days=rng.randint(1, HISTORY_DAYS))
    start, renewed = first, False
    if add_months(first, PACKAGE_MONTHS) < today and rng.random() < 0.45:
        start, renewed = add_months(first, PACKAGE_MONTHS), True
    expires = add_months(start, PACKAGE_MONTHS)
    created = at(first, rng.randrange(86_400))
    issued = at(start, rng.randrange(86_400)) if renewed else created
    status = _status(rng, expires, today)
    member = Member(
        number=f"{net.code}-{index + 1:07d}",
        package=rng.choices(net.packages, (55, 30, 15))[0],
        status=status,
        first_start=first,
        starts_on=start,
        expires_on=expires,
        created_at=created,
        issued_at=issued,
    )
    return member, _row(rng, net, today, codes, index, member)


def _status(rng: random.Random, expires: date, today: date) -> str:
    if expires < today:
        return "expired"
    roll = rng.random()
    return "suspended" if roll < 0.04 else "cancelled" if roll < 0.07 else "active"


def _updated_at(rng: random.Random, m: Member, today: date) -> datetime:
    if m.status == "expired":
        return at(m.expires_on, 86_340)  # the nightly expiry run
    if m.status in ("suspended", "cancelled"):
        span = (today - m.starts_on).days
        return max(m.issued_at, at(m.starts_on + timedelta(days=rng.randrange(span)), 40_000))
    return m.issued_at


def _row(
    rng: random.Random, net: Network, today: date, codes: ProgramCodes, index: int, m: Member
) -> Row:
    spec = net.spec
    intl = rng.random() < 0.2
    first = rng.choice(catalog.INTERNATIONAL_FIRST if intl else spec.first_names)
    last = rng.choice(catalog.INTERNATIONAL_LAST if intl else spec.last_names)
    local = f"{first}.{last}.{index + 1}".lower().replace(" ", "")
    phone = rng.choice(spec.phone_prefixes) + str(rng.randrange(10**spec.phone_digits)).zfill(
        spec.phone_digits
    )
    return {
        "membership_number": m.number,
        "program": net.code,
        "activation_code": codes.activation_code(index),
        "card_number": codes.card_number(index),
        "member_name": f"{first} {last}",
        "email": f"{local}@{rng.choice(catalog.EMAIL_DOMAINS)}",
        "phone": phone,
        "package": m.package.code,
        "status": m.status,
        "starts_on": m.starts_on,
        "expires_on": m.expires_on,
        "created_at": m.created_at,
        "updated_at": _updated_at(rng, m, today),
    }


def transaction_rows(rng: random.Random, net: Network, today: date, m: Member) -> list[Row]:
    """The purchase, a renewal when the current period is a renewal, sometimes a fulfillment."""
    price, cur = m.package.price, net.spec.currency
    events = [("purchase", m.created_at, price)]
    if m.issued_at != m.created_at:
        events.append(("renewal", m.issued_at, price))
    if rng.random() < 0.35:
        events.append(("fulfillment", _before(today, m.created_at, rng.randint(2, 6)), NO_CHARGE))
    return [
        {
            "id": f"{m.number}-M{i}",
            "program": net.code,
            "membership_number": m.number,
            "kind": kind,
            "amount": amount,
            "currency": cur,
            "at": when,
            "updated_at": when,
        }
        for i, (kind, when, amount) in enumerate(events, 1)
    ]


def _before(today: date, start: datetime, days: int) -> datetime:
    """start + days, or halfway to today's midnight when that would not be in the past."""
    end = midnight(today)
    later = start + timedelta(days=days)
    return later if later < end else start + (end - start) / 2


def device_rows(rng: random.Random, net: Network, today: date, m: Member) -> list[Row]:
    """About half of the active members and a fifth of the others use the app."""
    if rng.random() >= (0.5 if m.status == "active" else 0.2):
        return []
    span = int((midnight(today) - m.created_at).total_seconds())
    rows = []
    for i in range(1, 2 + (rng.random() < 0.1)):
        platform, maker, model, versions = rng.choice(catalog.DEVICES)
        rows.append(
            {
                "id": f"{m.number}-D{i}",
                "program": net.code,
                "membership_number": m.number,
                "device_id": f"{rng.getrandbits(128):032x}",
                "platform": platform,
                "manufacturer": maker,
                "model": model,
                "os_version": rng.choice(versions),
                "push_token": f"{platform}:{rng.getrandbits(256):064x}",
                "registered_at": m.created_at + timedelta(seconds=rng.randrange(span)),
            }
        )
        rows[-1]["updated_at"] = rows[-1]["registered_at"]
    return rows
