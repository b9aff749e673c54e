"""Validating, redeeming and un-redeeming vouchers at a place (POS and back office; the rules
are domain.redemption's and domain.policies').

A voucher code is found through the code index (one point read: `dynamic:` or `static:`),
then checked on its digital membership, and redeemed by a write conditional on the
membership's etag: of N terminals redeeming one voucher at once exactly one succeeds, the
others re-read it redeemed and are refused. A static voucher's (un)redemption is also owed
to the SoR: its request is stored (services.sor_requests) as each decision is made, just
before the write that records it. A request run again (its answer lost to a crash after the
write, so its Idempotency-Key was free again) finds its own redemption or reversal on the
voucher, by caller and key within the day a key is kept, and changes nothing more, even when
the voucher changed since. A static code no digital membership holds is validated and
redeemed in the SoR itself (services.sor_fallback).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from mosaic.domain.codes import CodeKind, voucher_code_kind
from mosaic.domain.errors import VoucherNotFound, VoucherNotRedeemedHere
from mosaic.domain.idempotency import KEPT_SECONDS
from mosaic.domain.membership import DigitalMembership, StaticVoucher, Voucher
from mosaic.domain.policies import Place, live_redemption
from mosaic.domain.redemption import check_redemption, find_voucher, redeemed, unredeemed
from mosaic.ports.documents import Container, JsonDocument, StoredDocument
from mosaic.services.backends import Backends
from mosaic.services.callers import Caller
from mosaic.services.codes import find_code_owner
from mosaic.services.documents import load, read_or_none, stored_body, update_with_retries
from mosaic.services.program_rules import ProgramRules, program_rules
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
    now = backends.clock.now()

    def change(current: DigitalMembership) -> DigitalMembership:
        voucher = find_voucher(current, code)
        if _redeemed_by(voucher, caller, idempotency_key, now):
            return current  # this very request, done before a crash: nothing more to do
        policy = rules.policies.get(voucher.type)
        check_redemption(current, voucher, place, now, rules.timezone, policy)
        sor_request = None
        if isinstance(voucher, StaticVoucher):
            sor_request = _owe_sor(
                backends,
                rules,
                SorRequestKind.REDEEM_STATIC_VOUCHER,
                current,
                voucher,
                caller,
                idempotency_key,
                {"code": code, "hotel": place.hotel, "outlet": place.outlet},
                now,
            )
        return redeemed(current, code, place, now, idempotency_key, caller.id, sor_request)

    updated = _change_membership(backends, held, change)
    return VoucherAtPlace(find_voucher(updated, code), updated.id, place)


def unredeem_voucher(
    backends: Backends,
    caller: Caller,
    code: str,
    idempotency_key: str,
) -> VoucherAtPlace:
    """Reverse the voucher's redemption made here: a terminal reverses the redemptions of
    its own hotel, the back office any of the program's."""
    rules = program_rules(backends, caller.program)
    held = _holder(backends, caller.program, code)
    if held is None:
        return unredeem_in_sor(backends, rules, caller, code, idempotency_key)
    now = backends.clock.now()

    def change(current: DigitalMembership) -> DigitalMembership:
        voucher = find_voucher(current, code)
        if _reversed_by(voucher, caller, idempotency_key, now):
            return current  # this very request, done before a crash: nothing more to do
        _ensure_may_reverse(voucher, caller)
        if not isinstance(voucher, StaticVoucher):
            return unredeemed(current, code, now, caller.id, None, idempotency_key)
        unredeemed(current, code, now, caller.id)  # refused before a request is stored
        sor_request = _owe_sor(
            backends,
            rules,
            SorRequestKind.UNREDEEM_STATIC_VOUCHER,
            current,
            voucher,
            caller,
            idempotency_key,
            {"code": code},
            now,
        )
        return unredeemed(current, code, now, caller.id, sor_request, idempotency_key)

    updated = _change_membership(backends, held, change)
    voucher = find_voucher(updated, code)
    last = voucher.redemptions[-1]
    return VoucherAtPlace(voucher, updated.id, Place(last.hotel, last.outlet, True))


def _ensure_may_reverse(voucher: Voucher, caller: Caller) -> None:
    """A terminal reverses what its own hotel redeemed (a partner hotel's terminal must not
    give a member back a voucher used elsewhere); the back office reverses anything."""
    live = live_redemption(voucher)
    if caller.role == "agent" and live is not None and live.hotel != caller.hotel:
        raise VoucherNotRedeemedHere(
            f"voucher {voucher.code} was redeemed at {live.hotel}: a terminal there or the "
            "back office reverses it"
        )


def _owe_sor(
    backends: Backends,
    rules: ProgramRules,
    kind: SorRequestKind,
    member: DigitalMembership,
    voucher: Voucher,
    caller: Caller,
    key: str,
    payload: dict[str, str | None],
    now: datetime,
) -> str:
    """Store the SoR request of a static voucher's (un)redemption decided on `member` as
    read for the write about to be made, and name it. Stored at each decision, not once up
    front: a write that lost a race decides again on the winner's events, so its request is
    created after theirs, in the order the drain applies them."""
    id = _sor_request_id(rules, kind, voucher, caller, key)
    store_request(
        backends,
        id=id,
        program=rules.program,
        kind=kind,
        membership_number=member.id,
        payload=payload | {"at": now.isoformat(), "by": caller.id},
        now=backends.clock.now(),
    )
    return id


def _sor_request_id(
    rules: ProgramRules, kind: SorRequestKind, voucher: Voucher, caller: Caller, key: str
) -> str:
    """The SoR request of this (un)redemption: by the caller's key, and by how many times the
    voucher was redeemed before, so a key a terminal uses again a day later (a new request)
    never names a request the SoR applied already, while a retry after a crash before the
    membership was written (the voucher as it was) stores the same request again."""
    subject = f"{voucher.code}#{len(voucher.redemptions)}"
    return request_id(rules.program, kind, subject, caller.id, key)


def _redeemed_by(voucher: Voucher, caller: Caller, idempotency_key: str, now: datetime) -> bool:
    """Whether this request redeemed the voucher already (reversed since or not): a redemption
    of the same caller with the same key (keys are each caller's own: another terminal's same
    key is another request), made within the day a key is kept (later, the key is new)."""
    since = now - timedelta(seconds=KEPT_SECONDS)
    return any(
        (r.agent, r.idempotency_key) == (caller.id, idempotency_key) and r.redeemed_at > since
        for r in voucher.redemptions
    )


def _reversed_by(voucher: Voucher, caller: Caller, idempotency_key: str, now: datetime) -> bool:
    """Whether this request reversed a redemption of the voucher already (as _redeemed_by)."""
    since = now - timedelta(seconds=KEPT_SECONDS)
    return any(
        (r.unredeemed_by, r.unredeem_key) == (caller.id, idempotency_key)
        and r.unredeemed_at is not None
        and r.unredeemed_at > since
        for r in voucher.redemptions
    )


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
