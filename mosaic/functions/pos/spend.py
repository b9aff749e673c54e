"""POS spend and discount codes, and the SoR's status."""

from __future__ import annotations

from datetime import datetime

import azure.functions as func
from pydantic import Field

from mosaic.bootstrap import backends
from mosaic.domain.base import Amount, CurrencyCode, Money, RequestModel, ResponseModel
from mosaic.domain.codes import DISCOUNT_ALPHABET
from mosaic.domain.errors import InvalidField
from mosaic.functions.callers import AGENT_ERRORS, IDEMPOTENCY_HEADER, agent, once
from mosaic.functions.http import json_response, operation, parse_body
from mosaic.functions.pos.blueprint import bp
from mosaic.functions.pos.vouchers import MembershipBody
from mosaic.services.discount_codes import consume_discount_code
from mosaic.services.member_lookup import find_member
from mosaic.services.sor_health import stored_sor_status
from mosaic.services.tracking import record_spend


class SpendBody(MembershipBody):
    amount: Amount = Field(gt=0, description="what the member spent, up to 2 decimals")
    currency: CurrencyCode


class CountersAnswer(ResponseModel):
    membership_number: str
    tracking_transactions: int
    food_and_beverage_spend: Money


@operation(
    bp,
    name="pos_tracking",
    method="POST",
    route="pos/tracking",
    summary="Record the member's spend at this outlet (counters now; queued to the SoR)",
    request=SpendBody,
    response=CountersAnswer,
    errors=AGENT_ERRORS,
    headers=(IDEMPOTENCY_HEADER,),
    security="agent",
)
def pos_tracking(req: func.HttpRequest) -> func.HttpResponse:
    caller = agent(req)
    body = parse_body(req, SpendBody)
    body.checked()
    key = req.headers.get("idempotency-key", "")

    def run() -> CountersAnswer:
        member, _ = find_member(
            backends(),
            caller.program,
            card_number=body.card_number,
            activation_code=body.activation_code,
        )
        spend = Money(amount=body.amount, currency=body.currency)
        updated = record_spend(backends(), caller, member, spend, key)
        return CountersAnswer(
            membership_number=updated.id,
            tracking_transactions=updated.counters.tracking_transactions,
            food_and_beverage_spend=updated.counters.food_and_beverage_spend,
        )

    return once(req, caller, run)


class ConsumeBody(RequestModel):
    discount_code: str = Field(description=f"8 characters of {DISCOUNT_ALPHABET}")


class ConsumedAnswer(ResponseModel):
    discount_code: str
    offer: str
    membership_number: str
    consumed_at: datetime
    hotel: str
    outlet: str | None = None


@operation(
    bp,
    name="pos_consume_discount_code",
    method="POST",
    route="pos/discount-codes/consume",
    summary="Consume a member's discount code at this outlet; refused once expired or used",
    request=ConsumeBody,
    response=ConsumedAnswer,
    errors=(*AGENT_ERRORS, 410),
    headers=(IDEMPOTENCY_HEADER,),
    security="agent",
)
def pos_consume_discount_code(req: func.HttpRequest) -> func.HttpResponse:
    caller = agent(req)
    code = parse_body(req, ConsumeBody).discount_code
    key = req.headers.get("idempotency-key", "")
    if caller.hotel is None:
        raise InvalidField("X-Agent-Key", "this agent key names no hotel")
    hotel = caller.hotel

    def run() -> ConsumedAnswer:
        number, used = consume_discount_code(
            backends(), caller.program, code, hotel, caller.outlet, caller.id, key
        )
        assert used.consumed_at is not None
        return ConsumedAnswer(
            discount_code=used.code,
            offer=used.offer,
            membership_number=number,
            consumed_at=used.consumed_at,
            hotel=hotel,
            outlet=caller.outlet,
        )

    return once(req, caller, run)


class StatusAnswer(ResponseModel):
    status: str = Field(description="online, offline, or unknown before the first health check")
    since: str | None = Field(default=None, description="when the status last changed")


@operation(
    bp,
    name="pos_status",
    method="GET",
    route="pos/status",
    summary="online or offline: the SoR's health as last stored (unknown before the first check)",
    response=StatusAnswer,
    errors=(401,),
    security="agent",
)
def pos_status(req: func.HttpRequest) -> func.HttpResponse:
    agent(req)
    status, since = stored_sor_status(backends())
    return json_response(StatusAnswer(status=status, since=since))
