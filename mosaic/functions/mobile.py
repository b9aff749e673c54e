"""Mobile app operations (DESIGN.md section 5, mobile)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import azure.functions as func
from pydantic import AfterValidator, WithJsonSchema

from mosaic.bootstrap import backends
from mosaic.domain.base import CamelModel, ProgramCode
from mosaic.domain.codes import activation_code_kind
from mosaic.domain.errors import InvalidField
from mosaic.domain.membership import DeviceDetails, MembershipMode, MembershipSummary
from mosaic.functions.http import client_address, json_response, operation, parse_body
from mosaic.services.login import login_member

bp = func.Blueprint()


def _activation_code(value: str) -> str:
    try:
        activation_code_kind(value)
    except InvalidField as error:
        raise ValueError(error.rule) from None
    return value


ActivationCode = Annotated[
    str,
    AfterValidator(_activation_code),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^[0-9]{5,6}$",
            "description": "5 digits: a membership; 6 digits: an invitee",
        }
    ),
]


class LoginBody(CamelModel):
    program: ProgramCode
    activation_code: ActivationCode
    device: DeviceDetails | None = None


class LoginAnswer(CamelModel):
    token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_at: datetime
    mode: MembershipMode
    membership: MembershipSummary


@operation(
    bp,
    name="mobile_login",
    method="POST",
    route="mobile/login",
    summary="Log a member in with an activation code; answers a session token",
    request=LoginBody,
    response=LoginAnswer,
    errors=(400, 401, 403, 429, 503),
)
def mobile_login(req: func.HttpRequest) -> func.HttpResponse:
    body = parse_body(req, LoginBody)
    result = login_member(
        backends(), body.program, body.activation_code, body.device, client_address(req)
    )
    return json_response(
        LoginAnswer(
            token=result.token,
            expires_at=result.expires_at,
            mode=result.mode,
            membership=result.membership,
        )
    )
