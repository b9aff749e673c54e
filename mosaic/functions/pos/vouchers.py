"""POS vouchers and memberships: validate, redeem, un-redeem."""

from __future__ import annotations

from typing import Annotated

import azure.functions as func
from pydantic import StringConstraints

from mosaic.bootstrap import backends
from mosaic.domain.base import RequestModel
from mosaic.domain.errors import InvalidField, NotAuthenticated
from mosaic.functions.callers import AGENT_ERRORS, IDEMPOTENCY_HEADER, agent
from mosaic.functions.http import json_response, operation, parse_body
from mosaic.functions.pos.blueprint import bp
from mosaic.functions.voucher_answers import (
    MembershipCheckAnswer,
    VoucherCheckAnswer,
    membership_check_answer,
    voucher_check_answer,
)
from mosaic.functions.voucher_routes import VoucherBody, redeem_once, unredeem_once
from mosaic.services.callers import Caller
from mosaic.services.loyalty_views import standing_of
from mosaic.services.member_lookup import find_member
from mosaic.services.redemptions import validate_voucher

Digits = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,32}$")]


class MembershipBody(RequestModel):
    card_number: Digits | None = None
    activation_code: Digits | None = None

    def checked(self) -> MembershipBody:
        if (self.card_number is None) == (self.activation_code is None):
            raise InvalidField("cardNumber", "send a cardNumber or an activationCode, one of them")
        return self


def _hotel(caller: Caller) -> str:
    if caller.hotel is None:
        raise NotAuthenticated("this agent key names no hotel")
    return caller.hotel


@operation(
    bp,
    name="pos_validate_membership",
    method="POST",
    route="pos/memberships/validate",
    summary="A membership by card number or activation code: status, dates, package, tier",
    request=MembershipBody,
    response=MembershipCheckAnswer,
    errors=AGENT_ERRORS,
    security="agent",
)
def pos_validate_membership(req: func.HttpRequest) -> func.HttpResponse:
    caller = agent(req)
    body = parse_body(req, MembershipBody).checked()
    member, usable = find_member(
        backends(),
        caller.program,
        card_number=body.card_number,
        activation_code=body.activation_code,
    )
    return json_response(membership_check_answer(member, usable, standing_of(backends(), member)))


@operation(
    bp,
    name="pos_validate_voucher",
    method="POST",
    route="pos/vouchers/validate",
    summary="Would redeeming this voucher here and now succeed (a dry run), and why not",
    request=VoucherBody,
    response=VoucherCheckAnswer,
    errors=AGENT_ERRORS,
    security="agent",
)
def pos_validate_voucher(req: func.HttpRequest) -> func.HttpResponse:
    caller = agent(req)
    code = parse_body(req, VoucherBody).code()
    outcome = validate_voucher(backends(), caller, code, _hotel(caller), caller.outlet)
    return json_response(voucher_check_answer(outcome))


@operation(
    bp,
    name="pos_redeem_voucher",
    method="POST",
    route="pos/vouchers/redeem",
    summary="Redeem the voucher here, exactly once per Idempotency-Key",
    request=VoucherBody,
    response=VoucherCheckAnswer,
    errors=AGENT_ERRORS,
    headers=(IDEMPOTENCY_HEADER,),
    security="agent",
)
def pos_redeem_voucher(req: func.HttpRequest) -> func.HttpResponse:
    caller = agent(req)
    code = parse_body(req, VoucherBody).code()
    return redeem_once(req, caller, code, _hotel(caller), caller.outlet)


@operation(
    bp,
    name="pos_unredeem_voucher",
    method="POST",
    route="pos/vouchers/unredeem",
    summary="Reverse the voucher's redemption made here (static ones are queued to the SoR)",
    request=VoucherBody,
    response=VoucherCheckAnswer,
    errors=AGENT_ERRORS,
    headers=(IDEMPOTENCY_HEADER,),
    security="agent",
)
def pos_unredeem_voucher(req: func.HttpRequest) -> func.HttpResponse:
    return unredeem_once(req, agent(req))
