"""Back-office points adjustments (DESIGN.md section 5, back office; staff, by
`X-Staff-Key`): audited by the reason and the staff key's id on the ledger entry."""

from __future__ import annotations

from typing import Annotated

import azure.functions as func
from pydantic import AfterValidator, Field, StringConstraints

from mosaic.bootstrap import backends
from mosaic.domain.base import PRINTABLE, RequestModel
from mosaic.domain.idempotency import HEADER
from mosaic.functions.answers import (
    MovementAnswer,
    StandingAnswer,
    movement_answer,
    standing_values,
)
from mosaic.functions.backoffice import MembershipPath
from mosaic.functions.callers import once, staff
from mosaic.functions.http import json_response, operation, parse_body, parse_params
from mosaic.services.loyalty_points import adjust_points

bp = func.Blueprint()

MAX_ADJUSTMENT = 1_000_000


def _not_zero(points: int) -> int:
    if points == 0:
        raise ValueError("must not be 0: a credit is positive, a debit negative")
    return points


class AdjustmentBody(RequestModel):
    points: Annotated[
        int,
        Field(ge=-MAX_ADJUSTMENT, le=MAX_ADJUSTMENT),
        AfterValidator(_not_zero),
    ] = Field(description="points to credit (positive) or take (negative), never 0")
    reason: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=PRINTABLE),
    ] = Field(description="why: kept on the ledger entry with the staff key's id")


class AdjustmentAnswer(StandingAnswer):
    """The entry written, and the member's loyalty after it."""

    membership_number: str
    movement: MovementAnswer
    by: str = Field(description="the staff key's id the entry is audited with")


@operation(
    bp,
    name="backoffice_loyalty_adjustment",
    method="POST",
    route="backoffice/memberships/{program}/{membershipNumber}/loyalty/adjustments",
    summary="A manual points adjustment with a reason (audited); never below zero",
    request=AdjustmentBody,
    response=AdjustmentAnswer,
    status=201,
    errors=(400, 401, 404, 409, 413, 422, 503),
    headers=((HEADER, "optional; a repeat with the same key answers the first answer", False),),
    security="staff",
)
def backoffice_loyalty_adjustment(req: func.HttpRequest) -> func.HttpResponse:
    caller = staff(req)
    path = parse_params(req.route_params, MembershipPath)
    body = parse_body(req, AdjustmentBody)

    def run() -> AdjustmentAnswer:
        done = adjust_points(
            backends(), caller, path.program, path.membership_number, body.points, body.reason
        )
        return AdjustmentAnswer(
            membership_number=path.membership_number,
            movement=movement_answer(done.entry, done.timezone),
            by=caller.id,
            **standing_values(done.standing),
        )

    if req.headers.get(HEADER.lower()) is None:
        return json_response(run(), status=201)
    return once(req, caller, run, status=201)
