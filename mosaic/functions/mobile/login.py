"""Member login (POST /mobile/login)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import azure.functions as func
from pydantic import AfterValidator, Field, WithJsonSchema

from mosaic.bootstrap import backends
from mosaic.domain.base import PRINTABLE, ProgramCode, RequestModel, ResponseModel
from mosaic.domain.codes import activation_code_kind
from mosaic.domain.errors import InvalidField
from mosaic.domain.membership import DeviceDetails, MembershipMode
from mosaic.functions.answers import MembershipAnswer, membership_answer
from mosaic.functions.http import client_address, json_response, operation, parse_body
from mosaic.functions.mobile.blueprint import bp
from mosaic.services.login import login_member
from mosaic.services.loyalty_views import standing_of


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


Text = Annotated[str, Field(max_length=128, pattern=PRINTABLE)]


class DeviceBody(RequestModel):
    """What the app tells about the device it runs on."""

    device_id: Annotated[str, Field(min_length=1, max_length=128, pattern=PRINTABLE)]
    manufacturer: Text | None = None
    platform: Text | None = None
    model: Text | None = None
    os_version: Text | None = None
    push_token: Annotated[str, Field(max_length=4096)] | None = None

    def details(self) -> DeviceDetails:
        return DeviceDetails(**self.model_dump(exclude_unset=True))


class LoginBody(RequestModel):
    program: ProgramCode
    activation_code: ActivationCode
    device: DeviceBody | None = None


class LoginAnswer(ResponseModel):
    token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_at: datetime
    mode: MembershipMode
    membership: MembershipAnswer


@operation(
    bp,
    name="mobile_login",
    method="POST",
    route="mobile/login",
    summary="Log a member in with an activation code; answers a session token",
    request=LoginBody,
    response=LoginAnswer,
    errors=(400, 401, 403, 404, 413, 429, 503),
)
def mobile_login(req: func.HttpRequest) -> func.HttpResponse:
    body = parse_body(req, LoginBody)
    device = body.device.details() if body.device else None
    result = login_member(
        backends(), body.program, body.activation_code, device, client_address(req)
    )
    return json_response(
        LoginAnswer(
            token=result.token,
            expires_at=result.expires_at,
            mode=result.mode,
            membership=membership_answer(
                result.membership, standing_of(backends(), result.membership)
            ),
        )
    )
