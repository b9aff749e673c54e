"""A POS world on the embedded backends, for the services' tests: the SIAM program with two
hotels (each with an outlet), a digital member holding static vouchers of several types and
the dynamic vouchers of a campaign, a member the SoR holds but the digital layer does not, an
offer at one hotel, and agents of two terminals; one clock for the business and the wall."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa

from mosaic.adapters.clock import FixedClock
from mosaic.adapters.embedded.documents import SqliteDocumentStore
from mosaic.domain.membership import DigitalMembership
from mosaic.ports.documents import Container
from mosaic.services.backends import Backends
from mosaic.services.callers import Caller
from mosaic.services.documents import load
from mosaic.services.program_refresh import refresh_program
from mosaic.services.refresh import RefreshReason, refresh_membership
from tests.factories import (
    NOW,
    embedded_backends,
    insert_member,
    sor_engine,
    sor_membership,
    sor_record,
    static_voucher,
)
from tests.sor_rows import configure_program, insert_campaign, insert_hotel, insert_offer

MEMBER = "SIAM-0000001"
CARD = "4000123412341234"
NOT_DIGITAL = "SIAM-0000002"
FOOD, ROOM, HOTEL_ROOM, OTHER_FOOD = "54321", "54322", "54323", "54324"
SOR_ONLY = "11111"
OPEN = (date(2026, 11, 1), date(2026, 12, 31))

AGENT_A = Caller("agent", "agent:aaaaaaaaaaaaaaaa", "SIAM", "POS A", "SIAM-H01", "SIAM-H01-O1")
AGENT_B = Caller("agent", "agent:bbbbbbbbbbbbbbbb", "SIAM", "POS B", "SIAM-H02", "SIAM-H02-O1")
FRONT_DESK = Caller("agent", "agent:cccccccccccccccc", "SIAM", "Front desk", "SIAM-H01", None)


@dataclass
class World:
    backends: Backends
    clock: FixedClock
    engine: sa.Engine

    def member(self, number: str = MEMBER) -> DigitalMembership:
        stored = self.backends.documents.read(Container.MEMBERSHIPS, "SIAM", number)
        return load(DigitalMembership, stored)

    def dynamic_code(self) -> str:
        return self.member().dynamic_vouchers[0].code

    def sor_requests(self) -> list[dict[str, object]]:
        return [d.body for d in self.backends.documents.query(Container.SOR_REQUESTS, "SIAM")]

    def refresh(self) -> DigitalMembership:
        return refresh_membership(self.backends, "SIAM", MEMBER, RefreshReason.MANUAL)

    def set_policy(self, voucher_type: str, *rules: dict[str, object]) -> None:
        configure_program(
            self.engine, f"policy:{voucher_type}", json.dumps({"rules": list(rules)}), NOW
        )
        refresh_program(self.backends, "SIAM", "manual")


def make_world(tmp_path: Path, now: datetime = NOW) -> World:
    engine = sor_engine(tmp_path)
    vouchers = [
        static_voucher(FOOD),
        static_voucher(ROOM, type="room"),
        static_voucher(HOTEL_ROOM, type="room", hotel="SIAM-H01"),
        static_voucher(OTHER_FOOD),
    ]
    insert_member(engine, sor_record(static_vouchers=vouchers))
    outsider = sor_membership(
        membership_number=NOT_DIGITAL, activation_code="22222", card_number="4000999999999999"
    )
    insert_member(
        engine,
        sor_record(membership=outsider, static_vouchers=[static_voucher(SOR_ONLY)], tracking=[]),
    )
    for hotel in ("SIAM-H01", "SIAM-H02"):
        insert_hotel(engine, hotel)
    insert_campaign(engine, "C-ALL", *OPEN, NOW)
    insert_offer(engine, "SPA20", *OPEN, NOW, hotel="SIAM-H01")
    clock = FixedClock(now)
    backends = embedded_backends(tmp_path, engine=engine, wall_clock=clock)
    backends.documents.close()  # type: ignore[attr-defined]
    documents = SqliteDocumentStore(
        tmp_path / "documents.sqlite", time_source=lambda: clock.now().timestamp()
    )
    backends = replace(backends, clock=clock, documents=documents)
    refresh_program(backends, "SIAM", "manual")
    refresh_membership(backends, "SIAM", MEMBER, RefreshReason.MANUAL)
    return World(backends, clock, engine)
