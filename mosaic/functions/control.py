"""Control operations (DESIGN.md section 5, control): operators, with `X-Admin-Key`."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Annotated

import azure.functions as func
from pydantic import AfterValidator, WithJsonSchema

from mosaic.bootstrap import admin_key, backends
from mosaic.domain.base import ProgramCode, RequestModel, ResponseModel
from mosaic.domain.codes import CodeKind, activation_code_kind
from mosaic.domain.errors import InvalidField, NotAuthenticated
from mosaic.domain.program import ContentType
from mosaic.functions.answers import MembershipAnswer, membership_answer
from mosaic.functions.http import json_response, operation, parse_params
from mosaic.services.control import refresh_by_activation_code
from mosaic.services.loyalty_views import standing_of
from mosaic.services.program_refresh import refresh_program

bp = func.Blueprint()

ADMIN_HEADER = "x-admin-key"


def require_admin(req: func.HttpRequest) -> None:
    """The caller must send the admin key; compared in constant time, as bytes (a header
    with characters outside ASCII is simply wrong, never an error)."""
    given = req.headers.get(ADMIN_HEADER, "").encode("utf-8", "replace")
    if not given or not hmac.compare_digest(given, admin_key().encode("utf-8")):
        raise NotAuthenticated(f"control routes need the operators' key in {ADMIN_HEADER}")


def _membership_code(value: str) -> str:
    try:
        kind = activation_code_kind(value)
    except InvalidField as error:
        raise ValueError(error.rule) from None
    if kind is not CodeKind.MEMBERSHIP_ACTIVATION:
        raise ValueError("must be 5 digits: an invitee (6) has nothing in the SoR to refresh")
    return value


MembershipActivationCode = Annotated[
    str,
    AfterValidator(_membership_code),
    WithJsonSchema({"type": "string", "pattern": "^[0-9]{5}$"}),
]


class RefreshTarget(RequestModel):
    program: ProgramCode
    activation_code: MembershipActivationCode


@operation(
    bp,
    name="control_refresh_membership",
    method="POST",
    route="control/memberships/{program}/{activationCode}/refresh",
    summary="Refresh one membership from the SoR now; answers its summary",
    response=MembershipAnswer,
    errors=(400, 401, 404, 503),
    security="admin",
)
def control_refresh_membership(req: func.HttpRequest) -> func.HttpResponse:
    require_admin(req)
    target = parse_params(req.route_params, RefreshTarget)
    document = refresh_by_activation_code(backends(), target.program, target.activation_code)
    return json_response(membership_answer(document, standing_of(backends(), document)))


class ProgramTarget(RequestModel):
    program: ProgramCode


class ProgramRefreshAnswer(ResponseModel):
    """What the refreshed program document now holds, in counts."""

    program: str
    name: str
    timezone: str
    last_refresh: datetime | None
    hotels: int
    outlets: int
    offers: int


@operation(
    bp,
    name="control_refresh_program",
    method="POST",
    route="control/programs/{program}/refresh",
    summary="Refresh one program's document from the SoR now (the 8-hourly job)",
    response=ProgramRefreshAnswer,
    errors=(400, 401, 404, 503),
    security="admin",
)
def control_refresh_program(req: func.HttpRequest) -> func.HttpResponse:
    require_admin(req)
    target = parse_params(req.route_params, ProgramTarget)
    program = refresh_program(backends(), target.program, "manual")
    content = program.content[ContentType.APP]
    return json_response(
        ProgramRefreshAnswer(
            program=program.program,
            name=program.meta.name,
            timezone=program.meta.timezone,
            last_refresh=program.meta.last_refresh,
            hotels=len(content.hotels),
            outlets=len(content.outlets),
            offers=len(content.offers),
        )
    )


# The control blueprint's other routes live in their own modules; importing them registers them.
from mosaic.functions import control_jobs, control_log  # noqa: E402, F401
