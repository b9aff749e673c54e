"""Vouchers no digital membership holds: validated and redeemed in the SoR itself, as before
the digital layer (DESIGN section 5), with the same answers and the same exactly-once
guarantee: the SoR's conditional update, keyed by a request id derived from the caller's
idempotency key (a retry applies nothing twice)."""

from __future__ import annotations

from mosaic.domain.errors import (
    SystemOfRecordUnavailable,
    VoucherAlreadyRedeemed,
    VoucherNotFound,
    VoucherNotRedeemed,
)
from mosaic.domain.policies import Place
from mosaic.domain.records import SorVoucherHolding
from mosaic.domain.redemption import check_redemption
from mosaic.domain.sor_vouchers import holding_membership
from mosaic.ports.sor import RedeemOutcome, SorUnavailable
from mosaic.services.backends import Backends
from mosaic.services.callers import Caller
from mosaic.services.program_rules import ProgramRules
from mosaic.services.sor_requests import SorRequestKind, request_id
from mosaic.services.voucher_outcomes import VoucherAtPlace


def _holding(backends: Backends, program: str, code: str) -> SorVoucherHolding:
    try:
        holding = backends.sor.static_voucher(program, code)
    except SorUnavailable as error:
        raise SystemOfRecordUnavailable(
            "this voucher's membership is not digital yet and the system of record is not answering"
        ) from error
    if holding is None:
        raise VoucherNotFound(f"no voucher {code} in program {program}")
    return holding


def validate_in_sor(
    backends: Backends, rules: ProgramRules, code: str, place: Place
) -> VoucherAtPlace:
    now = backends.clock.now()
    member = holding_membership(_holding(backends, rules.program, code), rules.currency, now)
    [voucher] = member.static_vouchers
    check_redemption(member, voucher, place, now, rules.timezone, rules.policies.get(voucher.type))
    return VoucherAtPlace(voucher, member.id, place, from_sor=True)


def redeem_in_sor(
    backends: Backends,
    rules: ProgramRules,
    caller: Caller,
    code: str,
    place: Place,
    idempotency_key: str,
) -> VoucherAtPlace:
    request = request_id(
        rules.program, SorRequestKind.REDEEM_STATIC_VOUCHER, code, caller.id, idempotency_key
    )
    try:
        validate_in_sor(backends, rules, code, place)
    except VoucherAlreadyRedeemed:
        # Perhaps by this very request, before a crash: the SoR knows its id.
        if _apply(backends, rules, code, place, request) is not RedeemOutcome.ALREADY_APPLIED:
            raise
        return _after(backends, rules, code, place)
    outcome = _apply(backends, rules, code, place, request)
    if outcome is RedeemOutcome.NOT_AVAILABLE:
        raise VoucherAlreadyRedeemed(f"voucher {code} was redeemed at another terminal just now")
    return _after(backends, rules, code, place)


def _apply(
    backends: Backends, rules: ProgramRules, code: str, place: Place, request: str
) -> RedeemOutcome:
    try:
        return backends.sor.redeem_static_voucher(
            rules.program,
            code,
            request_id=request,
            hotel=place.hotel,
            outlet=place.outlet,
            at=backends.clock.now(),
        )
    except SorUnavailable as error:
        raise SystemOfRecordUnavailable("the system of record is not answering") from error


def unredeem_in_sor(
    backends: Backends, rules: ProgramRules, caller: Caller, code: str, idempotency_key: str
) -> VoucherAtPlace:
    holding = _holding(backends, rules.program, code)
    if holding.status != "redeemed":
        raise VoucherNotRedeemed(f"voucher {code} is {holding.status}, not redeemed")
    request = request_id(
        rules.program, SorRequestKind.UNREDEEM_STATIC_VOUCHER, code, caller.id, idempotency_key
    )
    try:
        outcome = backends.sor.unredeem_static_voucher(
            rules.program, code, request_id=request, at=backends.clock.now()
        )
    except SorUnavailable as error:
        raise SystemOfRecordUnavailable("the system of record is not answering") from error
    if outcome is RedeemOutcome.NOT_AVAILABLE:
        raise VoucherNotRedeemed(f"voucher {code} is no longer redeemed")
    return _after(backends, rules, code, None)


def _after(
    backends: Backends, rules: ProgramRules, code: str, place: Place | None
) -> VoucherAtPlace:
    """The voucher as the SoR has it after the change."""
    member = holding_membership(
        _holding(backends, rules.program, code), rules.currency, backends.clock.now()
    )
    return VoucherAtPlace(member.static_vouchers[0], member.id, place, from_sor=True)
