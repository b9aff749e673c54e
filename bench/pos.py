"""The POS scenarios (issue 9's speed): vouchers validated and redeemed at a hotel's front desk,
each request a different voucher, every one expected to answer 200.

- Digital: the available vouchers, static and dynamic, of the memberships the document store
  holds (the bench's logins made them digital). Each is planned here with the domain's own
  checks (`check_redemption`: membership, status, validity, hotel, then the program's policy
  for its type, from the same program rules the host reads), and each planned redemption is
  applied to the plan's copy of its membership, so that the policies count it as the host
  will (the demo's food `maxPerDay 2`, room `maxOutOfNetworkPerHotel 1`, spa
  `minDaysBetween 7`). A hotel's own voucher goes to that hotel's front desk; a network-wide
  one to the first hotel, from one the code picks, where the policy lets it.
- SoR fallback: available static vouchers of memberships that are not digital, i.e. of the
  seeded members the bench never logged in (nothing imported them: their codes are not in
  the code index), judged by the same checks on the SoR's view of them (what the fallback
  does) and presented likewise.

Requests are ordered round-robin over the memberships (every membership's first voucher,
then every second one...), so that the connections do not race for one membership's etag:
terminals at different hotels rarely redeem one member's vouchers in the same millisecond.
"""

from __future__ import annotations

import json
import uuid
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import zip_longest

import sqlalchemy as sa

from bench import wrk
from mosaic.adapters.sor import schema
from mosaic.demo.keys import demo_key, key_hash
from mosaic.demo.network import agent_ident
from mosaic.domain.codes import CodeKind
from mosaic.domain.errors import MosaicError
from mosaic.domain.membership import DigitalMembership, StaticVoucher, Voucher, VoucherStatus
from mosaic.domain.policies import Place
from mosaic.domain.redemption import check_redemption, redeemed
from mosaic.domain.sor_vouchers import holding_membership
from mosaic.ports.documents import Container
from mosaic.services.backends import Backends
from mosaic.services.codes import find_code_owner
from mosaic.services.documents import load
from mosaic.services.program_rules import ProgramRules, program_rules

VALIDATE = "/api/pos/vouchers/validate"
REDEEM = "/api/pos/vouchers/redeem"
AGENT_HEADER = "X-Agent-Key"
IDEMPOTENCY_HEADER = "Idempotency-Key"
FALLBACK_CANDIDATES = 3
"""SoR vouchers read per fallback voucher wanted at most (most candidates pass)."""
PLAN_AGENT = "agent:bench-plan"
PLAN_SOR_REQUEST = "bench-plan"


@dataclass(frozen=True)
class Presented:
    """A voucher presented at a hotel's front desk, by that desk's agent key."""

    program: str
    code: str
    hotel: str
    agent_key: str
    static: bool
    membership: str


FrontDesks = dict[str, dict[str, str]]
"""Program -> hotel -> the key of its front desk agent."""


def front_desks(engine: sa.Engine, seed: int) -> FrontDesks:
    """The demo keys of every front desk agent (an agent of no outlet), derived from the seed
    as `demo show` does; a row whose hash is not the derived key's is left out."""
    agents = schema.pos_agents.c
    query = sa.select(agents.program, agents.hotel, agents.key_hash).where(agents.outlet.is_(None))
    desks: FrontDesks = {}
    with engine.connect() as connection:
        for program, hotel, stored_hash in connection.execute(query):
            key = demo_key(seed, "agent", agent_ident(hotel, None))
            if key_hash(key) == stored_hash:
                desks.setdefault(program, {})[hotel] = key
    return desks


class _Planner:
    """Where each voucher of a program can be redeemed now, as the host will judge it."""

    def __init__(self, rules: ProgramRules, desks: dict[str, str], now: datetime) -> None:
        self.rules, self.now = rules, now
        self.hotels = sorted(hotel for hotel in desks if hotel in rules.hotels)
        self.desks = desks

    def place(self, member: DigitalMembership, voucher: Voucher) -> Place | None:
        """The first place (the voucher's own hotel, else every hotel from one its code
        picks) where redeeming it now passes every check; None when there is none."""
        if voucher.hotel is not None:
            candidates = [voucher.hotel] if voucher.hotel in self.desks else []
        else:
            start = zlib.crc32(voucher.code.encode()) % max(1, len(self.hotels))
            candidates = self.hotels[start:] + self.hotels[:start]
        policy = self.rules.policies.get(voucher.type)
        for hotel in candidates:
            place = self.rules.place(hotel, None)
            try:
                check_redemption(member, voucher, place, self.now, self.rules.timezone, policy)
            except MosaicError:
                if voucher.hotel is not None or voucher.status is not VoucherStatus.AVAILABLE:
                    return None  # refused wherever it goes
                continue
            return place
        return None

    def presented(self, member: DigitalMembership, voucher: Voucher, place: Place) -> Presented:
        return Presented(
            program=self.rules.program,
            code=voucher.code,
            hotel=place.hotel,
            agent_key=self.desks[place.hotel],
            static=isinstance(voucher, StaticVoucher),
            membership=member.id,
        )


def digital_vouchers(backends: Backends, desks: FrontDesks, limit: int) -> list[Presented]:
    """Up to `limit` vouchers of digital memberships, each redeemable where it is presented,
    in round-robin order over the memberships (module docstring)."""
    now = backends.clock.now()
    per_member: list[list[Presented]] = []
    for program, program_desks in sorted(desks.items()):
        planner = _Planner(program_rules(backends, program), program_desks, now)
        for stored in backends.documents.iterate(Container.MEMBERSHIPS, program, page_size=500):
            planned = _plan_membership(planner, load(DigitalMembership, stored))
            if planned:
                per_member.append(planned)
    return list(_round_robin(per_member))[:limit]


def _plan_membership(planner: _Planner, member: DigitalMembership) -> list[Presented]:
    """The member's vouchers that can be redeemed one after the other, each judged on the
    membership with the ones before it redeemed."""
    planned = []
    for voucher in [*member.static_vouchers, *member.dynamic_vouchers]:
        place = planner.place(member, voucher)
        if place is None:
            continue
        request = PLAN_SOR_REQUEST if isinstance(voucher, StaticVoucher) else None
        member = redeemed(
            member, voucher.code, place, planner.now, f"plan-{voucher.code}", PLAN_AGENT, request
        )
        planned.append(planner.presented(member, voucher, place))
    return planned


def fallback_vouchers(
    backends: Backends, engine: sa.Engine, desks: FrontDesks, limit: int
) -> list[Presented]:
    """Up to `limit` available static vouchers of memberships that are not digital (their
    code in no membership's code index entry), each redeemable where it is presented, one
    per membership."""
    now = backends.clock.now()
    wanted = limit // max(1, len(desks)) + 1
    with engine.connect() as connection:
        candidates = {p: _fallback_candidates(connection, p, now, wanted) for p in desks}
    found: list[Presented] = []
    for program, codes in sorted(candidates.items()):
        planner = _Planner(program_rules(backends, program), desks[program], now)
        taken = 0
        for code in codes:
            if taken >= wanted:
                break
            if find_code_owner(backends.documents, program, CodeKind.STATIC_VOUCHER, code):
                continue  # a digital membership holds it: not the fallback's
            holding = backends.sor.static_voucher(program, code)
            if holding is None:
                continue
            member = holding_membership(holding, planner.rules.currency, now)
            voucher = member.static_vouchers[0]
            place = planner.place(member, voucher)
            if place is not None:
                found.append(planner.presented(member, voucher, place))
                taken += 1
    return _interleaved(found)[:limit]


def _fallback_candidates(
    connection: sa.Connection, program: str, now: datetime, wanted: int
) -> list[str]:
    """Codes of the program's available static vouchers of active memberships, valid around
    today (a day's margin each side: the checks decide in the program's timezone), one per
    membership, in code order."""
    v, m = schema.static_vouchers.c, schema.memberships.c
    day = now.date()
    query = (
        sa.select(sa.func.min(v.code))
        .join_from(
            schema.static_vouchers,
            schema.memberships,
            sa.and_(m.program == v.program, m.membership_number == v.membership_number),
        )
        .where(
            v.program == program,
            v.status == VoucherStatus.AVAILABLE.value,
            v.valid_from <= day - timedelta(days=1),
            v.valid_to >= day + timedelta(days=1),
            m.status == "active",
            m.starts_on <= day - timedelta(days=1),
            m.expires_on >= day + timedelta(days=1),
        )
        .group_by(v.membership_number)
        .order_by(sa.func.min(v.code))
        .limit(wanted * FALLBACK_CANDIDATES)
    )
    return [str(code) for (code,) in connection.execute(query)]


def _round_robin(groups: Iterable[list[Presented]]) -> Iterator[Presented]:
    for row in zip_longest(*groups):
        yield from (presented for presented in row if presented is not None)


def _interleaved(found: list[Presented]) -> list[Presented]:
    """The programs' vouchers taken in turn, as terminals of every program would."""
    by_program: dict[str, list[Presented]] = {}
    for presented in found:
        by_program.setdefault(presented.program, []).append(presented)
    return list(_round_robin(by_program.values()))


def requests(presented: Iterable[Presented], *, redeem: bool) -> tuple[wrk.Request, ...]:
    """One request per voucher, with its desk's agent key and, to redeem, an Idempotency-Key
    of its own (unique across runs)."""
    run = uuid.uuid4().hex[:12]
    made = []
    for n, voucher in enumerate(presented):
        headers = [(AGENT_HEADER, voucher.agent_key)]
        if redeem:
            headers.append((IDEMPOTENCY_HEADER, f"bench-{run}-{n}"))
        body = json.dumps({"voucherCode": voucher.code})
        made.append(wrk.Request(headers=tuple(headers), body=body))
    return tuple(made)
