"""Bookings from an external booking system (DESIGN.md section 5, control; operators'
`X-Admin-Key`): a completed booking earns points, a cancelled one gives them back. Both are
idempotent by the booking id: a replay answers the first answer, marked
`Idempotent-Replayed: true`, and changes nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import azure.functions as func
from pydantic import AwareDatetime, BeforeValidator, Field, StringConstraints

from mosaic.bootstrap import backends
from mosaic.domain.base import (
    PRINTABLE,
    Amount,
    CurrencyCode,
    Money,
    ProgramCode,
    RequestModel,
    ResponseModel,
)
from mosaic.domain.idempotency import REPLAY_HEADER
from mosaic.functions.control import require_admin
from mosaic.functions.http import json_response, operation, parse_body, parse_params
from mosaic.services.loyalty_points import BookingPoints, cancel_booking, record_booking

bp = func.Blueprint()

BookingId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=PRINTABLE),
    Field(description="the booking system's id of the booking: 1-64 characters"),
]
MembershipNumber = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=PRINTABLE)]
BOOKING_ERRORS = (400, 401, 404, 413, 503)


def _iso_text(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("must be an ISO-8601 date and time with a UTC offset")
    return value


class BookingBody(RequestModel):
    program: ProgramCode
    membership_number: MembershipNumber
    booking_id: BookingId
    amount: Amount = Field(ge=0, description="a decimal number or string, at most 2 decimals")
    currency: CurrencyCode = Field(description="the program's currency")
    booked_at: Annotated[AwareDatetime, BeforeValidator(_iso_text)] = Field(
        description="ISO-8601 with a UTC offset: the month the points are earned in is this "
        "instant's month in the program's timezone"
    )


class BookingAnswer(ResponseModel):
    """What the booking earned: the same answer for a replay as for the first request."""

    program: str
    membership_number: str
    booking_id: str
    points: int = Field(description="points earned (0: the booking earns nothing)")
    earned_at: datetime | None = None
    expires_at: datetime | None = Field(
        default=None, description="when these points lapse, 23:59:59 in the program's timezone"
    )


def _answered(answer: ResponseModel, outcome: BookingPoints) -> func.HttpResponse:
    headers = {REPLAY_HEADER: "true"} if outcome.replayed else None
    return json_response(answer, headers=headers)


@operation(
    bp,
    name="control_loyalty_booking",
    method="POST",
    route="control/loyalty/bookings",
    summary="A completed booking earns points by the earning rule, once per bookingId",
    request=BookingBody,
    response=BookingAnswer,
    errors=BOOKING_ERRORS,
    security="admin",
)
def control_loyalty_booking(req: func.HttpRequest) -> func.HttpResponse:
    require_admin(req)
    body = parse_body(req, BookingBody)
    outcome = record_booking(
        backends(),
        body.program,
        body.membership_number,
        body.booking_id,
        Money(amount=body.amount, currency=body.currency),
        body.booked_at,
    )
    answer = BookingAnswer(
        program=outcome.program,
        membership_number=outcome.membership_number,
        booking_id=outcome.booking,
        points=outcome.points,
        earned_at=outcome.at if outcome.points else None,
        expires_at=outcome.expires_at,
    )
    return _answered(answer, outcome)


class CancellationPath(RequestModel):
    booking_id: BookingId


class CancellationBody(RequestModel):
    program: ProgramCode
    membership_number: MembershipNumber


class CancellationAnswer(ResponseModel):
    """What the cancellation took back: the same answer for a repeat as for the first."""

    program: str
    membership_number: str
    booking_id: str
    points: int = Field(
        description="the points taken back, negative (0: they had expired, or the member "
        "held no more)"
    )
    cancelled_at: datetime | None = None


@operation(
    bp,
    name="control_loyalty_booking_cancel",
    method="POST",
    route="control/loyalty/bookings/{bookingId}/cancel",
    summary="A cancelled booking's points are taken back (never below zero), once",
    request=CancellationBody,
    response=CancellationAnswer,
    errors=BOOKING_ERRORS,
    security="admin",
)
def control_loyalty_booking_cancel(req: func.HttpRequest) -> func.HttpResponse:
    require_admin(req)
    booking = parse_params(req.route_params, CancellationPath).booking_id
    body = parse_body(req, CancellationBody)
    outcome = cancel_booking(backends(), body.program, body.membership_number, booking)
    answer = CancellationAnswer(
        program=outcome.program,
        membership_number=outcome.membership_number,
        booking_id=outcome.booking,
        points=outcome.points,
        cancelled_at=outcome.at,
    )
    return _answered(answer, outcome)
