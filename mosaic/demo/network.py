"""A program's network: its hotels, outlets, packages and offers, POS agents, and the staff."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from mosaic.demo import catalog
from mosaic.demo.keys import demo_key, key_hash

Row = dict[str, Any]
PACKAGE_MONTHS = 12


@dataclass(frozen=True)
class Hotel:
    code: str
    name: str
    city: str
    country: str
    in_network: bool
    rooms: int
    room_rate: Decimal  # per night, in the program's currency
    outlets: tuple[str, ...]  # outlet codes
    dining: tuple[tuple[str, str], ...]  # (name, cuisine) of each outlet


@dataclass(frozen=True)
class Package:
    code: str
    price: Decimal
    vouchers: tuple[int, int]


@dataclass(frozen=True)
class Network:
    spec: catalog.ProgramSpec
    members: int
    hotels: tuple[Hotel, ...]
    in_network: tuple[Hotel, ...]
    packages: tuple[Package, ...]

    @property
    def code(self) -> str:
        return self.spec.code


def money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def build_network(rng: random.Random, spec: catalog.ProgramSpec, members: int) -> Network:
    chosen = spec.hotels[: rng.randint(6, len(spec.hotels))]
    partners = spec.partners[: rng.randint(2, len(spec.partners))]
    hotels = [_hotel(rng, spec, h, True) for h in chosen]
    hotels += [_hotel(rng, spec, h, False) for h in partners]
    packages = tuple(Package(f"{spec.code}-{p.slug}", p.price, p.vouchers) for p in spec.packages)
    inside = tuple(h for h in hotels if h.in_network)
    return Network(spec, members, tuple(hotels), inside, packages)


def _hotel(rng: random.Random, spec: catalog.ProgramSpec, h: catalog.HotelSpec, inn: bool) -> Hotel:
    code = f"{spec.code}-{h.slug}"
    dining = tuple(rng.sample(catalog.OUTLETS, rng.randint(2, 4)))
    outlets = tuple(f"{code}-O{i}" for i in range(1, len(dining) + 1))
    rate = money(Decimal(rng.randrange(2500, 9000, 100)) * spec.spend_factor)
    rooms = rng.randrange(80, 420, 10)
    return Hotel(code, h.name, h.city, h.country, inn, rooms, rate, outlets, dining)


def network_rows(net: Network, seed: int) -> dict[str, list[Row]]:
    spec = net.spec
    program = {"code": spec.code, "name": spec.name, "currency": spec.currency}
    program["timezone"] = spec.timezone
    rows: dict[str, list[Row]] = {"programs": [program]}
    rows["hotels"] = [_hotel_row(net, h) for h in net.hotels]
    rows["outlets"] = [o for h in net.hotels for o in _outlet_rows(net, h)]
    rows["packages"] = [
        _package_row(net, p, s) for p, s in zip(net.packages, spec.packages, strict=True)
    ]
    rows["pos_agents"] = [a for h in net.hotels for a in _agent_rows(net, h, seed)]
    return rows


def _hotel_row(net: Network, h: Hotel) -> Row:
    return {
        "code": h.code,
        "program": net.code,
        "name": h.name,
        "city": h.city,
        "country": h.country,
        "in_network": h.in_network,
    }


def _outlet_rows(net: Network, h: Hotel) -> list[Row]:
    return [
        {"code": code, "hotel": h.code, "program": net.code, "name": name, "cuisine": cuisine}
        for code, (name, cuisine) in zip(h.outlets, h.dining, strict=True)
    ]


def _package_row(net: Network, p: Package, spec: catalog.PackageSpec) -> Row:
    return {
        "code": p.code,
        "program": net.code,
        "name": f"{net.spec.name} {spec.name}",
        "price": p.price,
        "currency": net.spec.currency,
        "months": PACKAGE_MONTHS,
    }


def agent_ident(hotel: str, outlet: str | None) -> str:
    """What an agent's demo key is derived from: its outlet, or its hotel for a front desk."""
    return outlet or hotel


def _agent_rows(net: Network, h: Hotel, seed: int) -> list[Row]:
    places: list[tuple[str | None, str]] = [(None, f"{h.name} Front Desk")]
    places += [(o, f"{h.name} - {d[0]} POS") for o, d in zip(h.outlets, h.dining, strict=True)]
    return [
        {
            "key_hash": key_hash(demo_key(seed, "agent", agent_ident(h.code, outlet))),
            "program": net.code,
            "hotel": h.code,
            "outlet": outlet,
            "name": name,
        }
        for outlet, name in places
    ]


def staff_ident(program: str, login: str) -> str:
    """A staff member works for one program: the key's ident is `<program>/<login>`."""
    return f"{program}/{login}"


def staff_rows(seed: int, program: str) -> list[Row]:
    return [
        {
            "key_hash": key_hash(demo_key(seed, "staff", staff_ident(program, login))),
            "program": program,
            "name": name,
            "role": role,
        }
        for login, name, role in catalog.STAFF
    ]


def offer_rows(rng: random.Random, net: Network, today: date) -> list[Row]:
    rows: list[Row] = []
    titles = rng.sample(catalog.OFFER_TITLES, rng.randint(5, len(catalog.OFFER_TITLES)))
    for i, (title, description) in enumerate(titles, 1):
        hotel = rng.choice(net.in_network) if rng.random() < 0.5 else None
        start = today + timedelta(days=rng.randint(-200, 20))
        rows.append(
            {
                "program": net.code,
                "code": f"{net.code}-OF{i:02d}",
                "title": f"{title} at {hotel.name}" if hotel else title,
                "description": description,
                "hotel": hotel.code if hotel else None,
                "valid_from": start,
                "valid_to": start + timedelta(days=rng.choice((30, 90, 180, 365))),
                "updated_at": _published(min(start, today)),
            }
        )
    return rows


def _published(first_day: date) -> datetime:
    """When an offer was last edited: two weeks before it first showed (no draw from rng,
    so the rest of the data set stays what the seed made it)."""
    return datetime.combine(first_day - timedelta(days=14), time(9), tzinfo=UTC)
