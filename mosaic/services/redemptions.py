"""Validating, redeeming and un-redeeming vouchers at a place (POS and back office; the rules
are domain.redemption's and domain.policies').

A voucher code is found through the code index (one point read: `dynamic:` or `static:`),
then checked on its digital membership, and redeemed by a write conditional on the
membership's etag: of N terminals redeeming one voucher at once exactly one succeeds, the
others re-read it redeemed and are refused. A static voucher's (un)redemption is also owed to
the SoR: its request is stored first (services.sor_requests). A static code no digital
membership holds is validated and redeemed in the SoR itself (services.sor_fallback).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mosaic.domain.codes import CodeKind, voucher_code_kind
from mosaic.domain.errors import VoucherNotFound
from mosaic.domain.membership import DigitalMembership, StaticVoucher, Voucher
from mosaic.domain.policies import Place, live_redemption
from mosaic.domain.redemption import check_redemption, find_voucher, redeemed, unredeemed
from mosaic.ports.documents import Container, JsonDocument, StoredDocument
from mosaic.services.backends import Backends
from mosaic.services.callers import Caller
from mosaic.services.codes import find_code_owner
from mosaic.services.documents import load, read_or_none, stored_body, update_with_retries
from mosaic.services.program_rules import program_rules
from mosaic.services.sor_fallback import redeem_in_sor, unredeem_in_sor, validate_in_sor
from mosaic.services.sor_requests import SorRequestKind, request_id, store_request
from mosaic.services.voucher_outcomes import VoucherAtPlace


@dataclass(frozen=True)
class _Held:
    """The digital membership holding a code, as read: its model and its stored document."""

    member: DigitalMembership
    stored: StoredDocument


def _holder(backends: Backends, program: str, code: str) -> _Held | None:
    kind = voucher_code_kind(code)
    number = find_code_owner(backends.documents, program, kind, code)
    if number is None:
        if kind is CodeKind.DYNAMIC_VOUCHER:
            raise VoucherNotFound(f"no voucher {code} in program {program}")
        return None
    found = read_or_none(backends.documents, Container.MEMBERSHIPS, program, number)
    return _Held(load(DigitalMembership, found), found) if found is not None else None


def validate_voucher(
    backends: Backends, caller: Caller, code: str, hotel: str, outlet: str | None
) -> VoucherAtPlace:
    """Would redeeming the voucher here and now succeed? The named error of the first check
    that refuses; nothing is written."""
    rules = program_rules(backends, caller.program)
    place = rules.place(hotel, outlet)
    held = _holder(backends, caller.program, code)
    if held is None:
        return validate_in_sor(backends, rules, code, place)
    member = held.member
    voucher = find_voucher(member, code)
    now = backends.clock.now()
    check_redemption(member, voucher, place, now, rules.timezone, rules.policies.get(voucher.type))
    return VoucherAtPlace(voucher, member.id, place)


def redeem_voucher(
    backends: Backends,
    caller: Caller,
    code: str,
    hotel: str,
    outlet: str | None,
    idempotency_key: str,
) -> VoucherAtPlace:
    rules = program_rules(backends, caller.program)
    place = rules.place(hotel, outlet)
    held = _holder(backends, caller.program, code)
    if held is None:
        return redeem_in_sor(backends, rules, caller, code, place, idempotency_key)
    member = held.member
    now = backends.clock.now()
    voucher = find_voucher(member, code)
    sor_request = None
    if isinstance(voucher, StaticVoucher):
        if not _redeemed_by(voucher, idempotency_key):
            policy = rules.policies.get(voucher.type)
            check_redemption(member, voucher, place, now, rules.timezone, policy)
        sor_request = request_id(
            rules.program, SorRequestKind.REDEEM_STATIC_VOUCHER, code, idempotency_key
        )
        store_request(
            backends,
            id=sor_request,
            program=rules.program,
            kind=SorRequestKind.REDEEM_STATIC_VOUCHER,
            membership_number=member.id,
            payload={
                "code": code,
                "hotel": place.hotel,
                "outlet": place.outlet,
                "at": now.isoformat(),
                "by": caller.id,
            },
            now=now,
        )

    def change(current: DigitalMembership) -> DigitalMembership:
        voucher = find_voucher(current, code)
        if _redeemed_by(voucher, idempotency_key):
            return current  # this very request, done before a crash: nothing more to do
        policy = rules.policies.get(voucher.type)
        check_redemption(current, voucher, place, now, rules.timezone, policy)
        return redeemed(current, code, place, now, idempotency_key, caller.id, sor_request)

    updated = _change_membership(backends, held, change)
    return VoucherAtPlace(find_voucher(updated, code), updated.id, place)


def unredeem_voucher(
    backends: Backends,
    caller: Caller,
    code: str,
    idempotency_key: str,
) -> VoucherAtPlace:
    """Reverse the voucher's redemption made here (by any terminal of the program)."""
    rules = program_rules(backends, caller.program)
    held = _holder(backends, caller.program, code)
    if held is None:
        return unredeem_in_sor(backends, rules, caller, code, idempotency_key)
    member = held.member
    now = backends.clock.now()
    voucher = find_voucher(member, code)
    sor_request = None
    if isinstance(voucher, StaticVoucher):
        unredeemed(member, code, now, caller.id)  # refused before a request is stored
        sor_request = request_id(
            rules.program, SorRequestKind.UNREDEEM_STATIC_VOUCHER, code, idempotency_key
        )
        store_request(
            backends,
            id=sor_request,
            program=rules.program,
            kind=SorRequestKind.UNREDEEM_STATIC_VOUCHER,
            membership_number=member.id,
            payload={"code": code, "at": now.isoformat(), "by": caller.id},
            now=now,
        )

    def change(current: DigitalMembership) -> DigitalMembership:
        return unredeemed(current, code, now, caller.id, sor_request)

    updated = _change_membership(backends, held, change)
    voucher = find_voucher(updated, code)
    last = voucher.redemptions[-1]
    return VoucherAtPlace(voucher, updated.id, Place(last.hotel, last.outlet, True))


def _redeemed_by(voucher: Voucher, idempotency_key: str) -> bool:
    live = live_redemption(voucher)
    return live is not None and live.idempotency_key == idempotency_key


def _change_membership(
    backends: Backends,
    held: _Held,
    change: Callable[[DigitalMembership], DigitalMembership],
) -> DigitalMembership:
    """Apply `change` to the stored membership, conditional on its etag: first to the
    membership as `_holder` read it (no second read), then, on a conflict, re-read and
    re-decided. The change's refusal (a domain error) propagates."""
    saved: list[DigitalMembership] = []

    def decide(current: StoredDocument | None) -> JsonDocument | None:
        if current is None:
            raise VoucherNotFound("the voucher's membership is gone")
        member = held.member if current is held.stored else load(DigitalMembership, current)
        saved[:] = [change(member)]
        return stored_body(saved[-1])

    member = held.member
    update_with_retries(
        backends.documents,
        Container.MEMBERSHIPS,
        member.program,
        member.id,
        decide,
        just_read=held.stored,
    )
    return saved[-1]
