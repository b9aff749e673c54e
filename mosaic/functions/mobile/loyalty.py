"""The member's loyalty page in the app: balance, tier and its image, the next expiry, the
points expiring soon, the breakdown by expiry and the last movements."""

from __future__ import annotations

from datetime import datetime

import azure.functions as func
from pydantic import Field

from mosaic.bootstrap import backends
from mosaic.domain.base import ResponseModel
from mosaic.functions.answers import MovementAnswer, movement_answer
from mosaic.functions.http import json_response, operation
from mosaic.functions.mobile.blueprint import bp
from mosaic.functions.mobile.session import MEMBER_ERRORS, signed_in
from mosaic.services.loyalty_views import LoyaltyView, loyalty_view


class ExpiringPointsAnswer(ResponseModel):
    expires_at: datetime | None = Field(
        description="23:59:59 on the month's last day, in the program's timezone (None: never)"
    )
    points: int


class LoyaltyAnswer(ResponseModel):
    balance: int = Field(description="the active points")
    tier: str | None = None
    tier_image: str | None = None
    tier_expires_at: datetime | None = Field(
        default=None, description="when the tier is re-evaluated: 23:59:59 local"
    )
    next_expiry: datetime | None = Field(
        default=None, description="when the soonest-expiring points lapse: 23:59:59 local"
    )
    next_expiry_points: int = Field(default=0, description="how many lapse then")
    expiring_soon: int = Field(
        default=0, description="the points lapsing within `reminderDays` (0: none)"
    )
    reminder_days: int
    breakdown: list[ExpiringPointsAnswer] = Field(description="active points by expiry")
    movements: list[MovementAnswer] = Field(description="the last movements, newest first")


def loyalty_answer(view: LoyaltyView) -> LoyaltyAnswer:
    standing = view.standing
    return LoyaltyAnswer(
        balance=standing.balance,
        tier=standing.tier,
        tier_image=standing.tier_image,
        tier_expires_at=standing.tier_expires_at,
        next_expiry=standing.next_expiry,
        next_expiry_points=standing.next_expiry_points,
        expiring_soon=standing.expiring_soon,
        reminder_days=view.reminder_days,
        breakdown=[
            ExpiringPointsAnswer(expires_at=row.expires_at, points=row.points)
            for row in view.breakdown
        ],
        movements=[movement_answer(e, view.timezone) for e in view.movements],
    )


@operation(
    bp,
    name="mobile_loyalty",
    method="GET",
    route="mobile/loyalty",
    summary="The member's points: balance, tier, next expiry, expiring soon, last movements",
    response=LoyaltyAnswer,
    errors=MEMBER_ERRORS,
    security="member",
)
def mobile_loyalty(req: func.HttpRequest) -> func.HttpResponse:
    member = signed_in(req)
    return json_response(loyalty_answer(loyalty_view(backends(), member)))
