"""Spend recorded by a POS at its outlet: on the membership at once (counters), and owed to
the SoR as a stored request, written first (services.sor_requests)."""

from __future__ import annotations

from mosaic.domain.base import Money
from mosaic.domain.errors import InvalidField, MembershipNotFound
from mosaic.domain.membership import DigitalMembership
from mosaic.domain.tracking import with_tracking
from mosaic.ports.documents import JsonDocument, StoredDocument
from mosaic.services.backends import Backends
from mosaic.services.callers import Caller
from mosaic.services.documents import load, stored_body, update_member
from mosaic.services.program_rules import program_rules
from mosaic.services.sor_requests import SorRequestKind, request_id, store_request


def record_spend(
    backends: Backends, caller: Caller, member: DigitalMembership, amount: Money, key: str
) -> DigitalMembership:
    if caller.outlet is None or caller.hotel is None:
        raise InvalidField("X-Agent-Key", "spend is recorded by an outlet's agent key")
    rules = program_rules(backends, caller.program)
    now = backends.clock.now()
    id = request_id(rules.program, SorRequestKind.TRACKING, member.id, caller.id, key)
    hotel, outlet = caller.hotel, caller.outlet
    with_tracking(member, id, hotel, outlet, amount, now, rules.currency)  # refused: no request
    store_request(
        backends,
        id=id,
        program=rules.program,
        kind=SorRequestKind.TRACKING,
        membership_number=member.id,
        payload={
            "id": id,
            "hotel": hotel,
            "outlet": outlet,
            "amount": str(amount.amount),
            "currency": amount.currency,
            "at": now.isoformat(),
            "by": caller.id,
        },
        now=now,
    )
    saved: list[DigitalMembership] = []

    def decide(current: StoredDocument | None) -> JsonDocument | None:
        if current is None:
            raise MembershipNotFound("the membership is gone")
        saved[:] = [
            with_tracking(
                load(DigitalMembership, current), id, hotel, outlet, amount, now, rules.currency
            )
        ]
        return stored_body(saved[-1])

    update_member(backends.documents, member, decide)
    return saved[-1]
