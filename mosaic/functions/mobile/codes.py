"""Codes a signed-in member asks for: invitations (an invitee code for a friend), discount
codes for an offer, PINs for a reservation agent."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import azure.functions as func
from pydantic import EmailStr, Field, StringConstraints

from mosaic.bootstrap import backends
from mosaic.domain.base import PRINTABLE, RequestModel, ResponseModel
from mosaic.domain.contacts import normal_phone
from mosaic.domain.discounts import DiscountCodeStatus
from mosaic.domain.errors import InvalidField
from mosaic.domain.inviting import Contact
from mosaic.functions.http import json_response, operation, parse_body
from mosaic.functions.mobile.answers import DiscountCodeAnswer, discount_code_answer
from mosaic.functions.mobile.blueprint import bp
from mosaic.functions.mobile.session import MEMBER_ERRORS, signed_in
from mosaic.services.discount_codes import give_discount_code
from mosaic.services.inviting import invite_friend
from mosaic.services.pins import give_pin

NO_STORE = {"Cache-Control": "no-store"}
"""Answers carrying a code that opens something are never cached on the way."""

Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=PRINTABLE),
]
Phone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 ()./-]{6,24}$"),
    Field(description="digits, optionally with + and spaces, dashes, dots or brackets"),
]


class InvitationBody(RequestModel):
    name: Name
    email: EmailStr | None = Field(default=None, max_length=254)
    phone: Phone | None = None

    def contact(self) -> Contact:
        if self.email is None and self.phone is None:
            raise InvalidField("email", "an email or a phone is required to invite a friend")
        if self.phone is not None and len(normal_phone(self.phone) or "") < 6:
            raise InvalidField("phone", "must have at least 6 digits")
        return Contact(name=self.name, email=self.email, phone=self.phone)


class InvitationMadeAnswer(ResponseModel):
    name: str
    contact: str
    invitee_code: str = Field(description="6 digits: what the friend logs in with")
    invited_at: datetime
    activate_by: date = Field(description="the last day the code may first be used")
    created: bool = Field(description="false: an open invitation to this contact, answered again")


@operation(
    bp,
    name="mobile_invite_friend",
    method="POST",
    route="mobile/invitations",
    summary="Invite a friend: an invitee membership opened by a 6-digit code",
    request=InvitationBody,
    response=InvitationMadeAnswer,
    status=201,
    extra_statuses=(200,),
    errors=(400, 409, 413, *MEMBER_ERRORS),
    security="member",
)
def mobile_invite_friend(req: func.HttpRequest) -> func.HttpResponse:
    member = signed_in(req)
    contact = parse_body(req, InvitationBody).contact()
    made = invite_friend(backends(), member, contact)
    answer = InvitationMadeAnswer(
        name=made.invitee.name,
        contact=made.invitee.contact,
        invitee_code=made.invitee.invitee_code,
        invited_at=made.invitee.invited_at,
        activate_by=made.activate_by,
        created=made.created,
    )
    return json_response(answer, 201 if made.created else 200, headers=NO_STORE)


class DiscountCodeBody(RequestModel):
    offer: Annotated[str, StringConstraints(min_length=1, max_length=64)]


@operation(
    bp,
    name="mobile_discount_code",
    method="POST",
    route="mobile/discount-codes",
    summary="A discount code for an offer the member is eligible for (the usable one if any)",
    request=DiscountCodeBody,
    response=DiscountCodeAnswer,
    status=201,
    extra_statuses=(200,),
    errors=(400, 404, 413, *MEMBER_ERRORS),
    security="member",
)
def mobile_discount_code(req: func.HttpRequest) -> func.HttpResponse:
    member = signed_in(req)
    body = parse_body(req, DiscountCodeBody)
    given = give_discount_code(backends(), member, body.offer)
    answer = discount_code_answer(given.code, DiscountCodeStatus.AVAILABLE)
    return json_response(answer, 201 if given.created else 200, headers=NO_STORE)


class PinAnswer(ResponseModel):
    pin: str = Field(description="6 digits, shown once: only its keyed hash is kept")
    created_at: datetime
    expires_at: datetime
    max_attempts: int = Field(description="wrong tries that burn it")


@operation(
    bp,
    name="mobile_pin",
    method="POST",
    route="mobile/pins",
    summary="A PIN that lets a reservation agent act as the member (earlier unused PINs stop)",
    response=PinAnswer,
    status=201,
    errors=MEMBER_ERRORS,
    security="member",
)
def mobile_pin(req: func.HttpRequest) -> func.HttpResponse:
    member = signed_in(req)
    given = give_pin(backends(), member)
    answer = PinAnswer(
        pin=given.digits,
        created_at=given.pin.created_at,
        expires_at=given.pin.expires_at,
        max_attempts=given.max_attempts,
    )
    return json_response(answer, 201, headers=NO_STORE)
