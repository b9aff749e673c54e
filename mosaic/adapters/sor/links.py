"""SoR rows that complete a membership's or a program's picture: the devices the SoR knows
of a membership, which packages each offer is for, the program's dynamic voucher campaigns,
its configuration and its callers' keys."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from mosaic.adapters.sor import schema as t
from mosaic.domain.program_records import SorCaller
from mosaic.domain.records import SorCampaign, SorDevice


def read_devices(connection: sa.Connection, program: str, number: str) -> list[SorDevice]:
    d = t.devices.c
    query = sa.select(t.devices).where(d.program == program, d.membership_number == number)
    return [
        SorDevice(
            device_id=r.device_id,
            platform=r.platform,
            manufacturer=r.manufacturer,
            model=r.model,
            os_version=r.os_version,
            push_token=r.push_token,
            registered_at=r.registered_at,
            updated_at=r.updated_at,
        )
        for r in connection.execute(query.order_by(d.registered_at, d.id))
    ]


@dataclass(frozen=True)
class OfferPackages:
    """The packages an offer is limited to, and the newest change of those links."""

    packages: frozenset[str]
    updated_at: datetime


def read_offer_packages(
    connection: sa.Connection, program: str, offers: Iterable[str]
) -> dict[str, OfferPackages]:
    """The packages of each offer that is limited to some; an offer absent from the answer is
    for every package."""
    codes = list(offers)
    if not codes:
        return {}
    c = t.offer_packages.c
    query = sa.select(c.offer, c.package, c.updated_at).where(
        c.program == program, c.offer.in_(codes)
    )
    linked: dict[str, set[str]] = {}
    newest: dict[str, datetime] = {}
    for offer, package, updated_at in connection.execute(query):
        linked.setdefault(str(offer), set()).add(str(package))
        newest[str(offer)] = max(updated_at, newest.get(str(offer), updated_at))
    return {offer: OfferPackages(frozenset(p), newest[offer]) for offer, p in linked.items()}


def read_voucher_campaigns(
    connection: sa.Connection, program: str, since: date
) -> list[SorCampaign]:
    """The program's dynamic voucher campaigns not ended before `since`, by start: the ones
    that can concern a membership now or follow a voucher it has (domain.campaigns decides).
    One query for the program (the index on program and valid_to)."""
    c = t.dynamic_voucher_campaigns.c
    query = sa.select(t.dynamic_voucher_campaigns).where(c.program == program, c.valid_to >= since)
    return [
        SorCampaign(
            r.id, r.title, r.type, r.hotel, r.target, r.valid_from, r.valid_to, r.updated_at
        )
        for r in connection.execute(query.order_by(c.valid_from, c.id))
    ]


def read_configuration(connection: sa.Connection, program: str) -> dict[str, str]:
    c = t.program_configuration.c
    query = sa.select(c.section, c.body).where(c.program == program).order_by(c.section)
    return {str(section): str(body) for section, body in connection.execute(query)}


def read_callers(connection: sa.Connection, program: str) -> list[SorCaller]:
    """The program's POS agents, then its staff, each by key hash."""
    a, s = t.pos_agents.c, t.staff.c
    agents = sa.select(t.pos_agents).where(a.program == program).order_by(a.key_hash)
    staff = sa.select(t.staff).where(s.program == program).order_by(s.key_hash)
    return [
        *(
            SorCaller("agent", r.key_hash, r.program, r.name, hotel=r.hotel, outlet=r.outlet)
            for r in connection.execute(agents)
        ),
        *(
            SorCaller("staff", r.key_hash, r.program, r.name, staff_role=r.role)
            for r in connection.execute(staff)
        ),
    ]
