"""A signed-in member's own things: the home page, vouchers, offers, devices."""

from __future__ import annotations

import azure.functions as func

from mosaic.bootstrap import backends
from mosaic.functions.http import json_response, operation, parse_body
from mosaic.functions.mobile.answers import (
    DeviceAnswer,
    HomeAnswer,
    OffersAnswer,
    VouchersAnswer,
    device_answer,
    home_answer,
    offers_answer,
    vouchers_answer,
)
from mosaic.functions.mobile.blueprint import bp
from mosaic.functions.mobile.login import DeviceBody
from mosaic.functions.mobile.session import MEMBER_ERRORS, signed_in
from mosaic.services.devices import register_member_device
from mosaic.services.member_views import member_home, offers_of, vouchers_of


@operation(
    bp,
    name="mobile_membership",
    method="GET",
    route="mobile/membership",
    summary="The member's own summary: the app's home page",
    response=HomeAnswer,
    errors=MEMBER_ERRORS,
    security="member",
)
def mobile_membership(req: func.HttpRequest) -> func.HttpResponse:
    member = signed_in(req)
    return json_response(home_answer(member_home(backends(), member)))


@operation(
    bp,
    name="mobile_dynamic_vouchers",
    method="GET",
    route="mobile/vouchers/dynamic",
    summary="The member's dynamic vouchers (6-digit codes), with status and redemptions",
    response=VouchersAnswer,
    errors=MEMBER_ERRORS,
    security="member",
)
def mobile_dynamic_vouchers(req: func.HttpRequest) -> func.HttpResponse:
    member = signed_in(req)
    return json_response(vouchers_answer(vouchers_of(backends(), member, "dynamic")))


@operation(
    bp,
    name="mobile_static_vouchers",
    method="GET",
    route="mobile/vouchers/static",
    summary="The member's static vouchers (5 or 9-digit codes), with status and redemptions",
    response=VouchersAnswer,
    errors=MEMBER_ERRORS,
    security="member",
)
def mobile_static_vouchers(req: func.HttpRequest) -> func.HttpResponse:
    member = signed_in(req)
    return json_response(vouchers_answer(vouchers_of(backends(), member, "static")))


@operation(
    bp,
    name="mobile_offers",
    method="GET",
    route="mobile/offers",
    summary="The offers the member is eligible for, each with its latest discount code",
    response=OffersAnswer,
    errors=MEMBER_ERRORS,
    security="member",
)
def mobile_offers(req: func.HttpRequest) -> func.HttpResponse:
    member = signed_in(req)
    return json_response(offers_answer(offers_of(backends(), member)))


@operation(
    bp,
    name="mobile_register_device",
    method="POST",
    route="mobile/devices",
    summary="Register the app's device (the same deviceId again updates it)",
    request=DeviceBody,
    response=DeviceAnswer,
    errors=(400, 413, *MEMBER_ERRORS),
    security="member",
)
def mobile_register_device(req: func.HttpRequest) -> func.HttpResponse:
    member = signed_in(req)
    body = parse_body(req, DeviceBody)
    updated = register_member_device(backends(), member, body.details())
    device = next(d for d in updated.devices if d.device_id == body.device_id)
    return json_response(device_answer(device))
