"""Back office (DESIGN.md section 5): staff, by `X-Staff-Key` (program-scoped; the hotel and
outlet are named in the body)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import azure.functions as func
from pydantic import Field, StringConstraints

from mosaic.bootstrap import backends
from mosaic.domain.base import ProgramCode, RequestModel, ResponseModel
from mosaic.domain.membership import MembershipSummary
from mosaic.functions.callers import AGENT_ERRORS, IDEMPOTENCY_HEADER, staff
from mosaic.functions.http import json_response, operation, parse_body, parse_params, parse_query
from mosaic.functions.voucher_answers import VoucherCheckAnswer, voucher_check_answer
from mosaic.functions.voucher_routes import VoucherBody, redeem_once, unredeem_once
from mosaic.services.backoffice import membership_document, program_report, search_memberships
from mosaic.services.redemptions import validate_voucher

bp = func.Blueprint()

Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,32}$")]


class StaffVoucherBody(VoucherBody):
    hotel: Code
    outlet: Code | None = None


@operation(
    bp,
    name="backoffice_validate_voucher",
    method="POST",
    route="backoffice/vouchers/validate",
    summary="Would redeeming this voucher at the named hotel now succeed, and why not",
    request=StaffVoucherBody,
    response=VoucherCheckAnswer,
    errors=AGENT_ERRORS,
    security="staff",
)
def backoffice_validate_voucher(req: func.HttpRequest) -> func.HttpResponse:
    caller = staff(req)
    body = parse_body(req, StaffVoucherBody)
    outcome = validate_voucher(backends(), caller, body.code(), body.hotel, body.outlet)
    return json_response(voucher_check_answer(outcome))


@operation(
    bp,
    name="backoffice_redeem_voucher",
    method="POST",
    route="backoffice/vouchers/redeem",
    summary="Redeem the voucher at the named hotel, exactly once per Idempotency-Key",
    request=StaffVoucherBody,
    response=VoucherCheckAnswer,
    errors=AGENT_ERRORS,
    headers=(IDEMPOTENCY_HEADER,),
    security="staff",
)
def backoffice_redeem_voucher(req: func.HttpRequest) -> func.HttpResponse:
    caller = staff(req)
    body = parse_body(req, StaffVoucherBody)
    return redeem_once(req, caller, body.code(), body.hotel, body.outlet)


@operation(
    bp,
    name="backoffice_unredeem_voucher",
    method="POST",
    route="backoffice/vouchers/unredeem",
    summary="Reverse the voucher's redemption made here",
    request=VoucherBody,
    response=VoucherCheckAnswer,
    errors=AGENT_ERRORS,
    headers=(IDEMPOTENCY_HEADER,),
    security="staff",
)
def backoffice_unredeem_voucher(req: func.HttpRequest) -> func.HttpResponse:
    return unredeem_once(req, staff(req))


class SearchQuery(RequestModel):
    program: ProgramCode | None = Field(default=None, description="default: the staff's own")
    q: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None, description="words of a name, email, phone, card or membership number"
    )
    status: str | None = None
    mode: str | None = None
    tier: str | None = None
    package: str | None = None
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=20, ge=1, le=100)


class SearchAnswer(ResponseModel):
    items: list[MembershipSummary]
    total: int
    page: int
    page_size: int
    facets: dict[str, dict[str, int]]


@operation(
    bp,
    name="backoffice_search_memberships",
    method="GET",
    route="backoffice/memberships",
    summary="Search the program's memberships: free text, filters, facets, pages",
    query=SearchQuery,
    response=SearchAnswer,
    errors=(400, 401),
    security="staff",
)
def backoffice_search_memberships(req: func.HttpRequest) -> func.HttpResponse:
    caller = staff(req)
    query = parse_query(req, SearchQuery)
    filters = {
        k: v
        for k, v in (
            ("status", query.status),
            ("mode", query.mode),
            ("tier", query.tier),
            ("package", query.package),
        )
        if v is not None
    }
    found = search_memberships(
        backends(), caller, query.program, query.q, filters, query.page, query.page_size
    )
    return json_response(
        SearchAnswer(
            items=found.items,
            total=found.total,
            page=found.page,
            page_size=found.page_size,
            facets=found.facets,
        )
    )


class MembershipPath(RequestModel):
    program: ProgramCode
    membership_number: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class MembershipDetailAnswer(ResponseModel):
    """The whole digital membership as stored (PIN hashes left out)."""

    membership: dict[str, Any]


@operation(
    bp,
    name="backoffice_membership",
    method="GET",
    route="backoffice/memberships/{program}/{membershipNumber}",
    summary="The whole digital membership, with every redemption and who made it",
    response=MembershipDetailAnswer,
    errors=(400, 401, 404),
    security="staff",
)
def backoffice_membership(req: func.HttpRequest) -> func.HttpResponse:
    caller = staff(req)
    path = parse_params(req.route_params, MembershipPath)
    body = membership_document(backends(), caller, path.program, path.membership_number)
    return json_response(MembershipDetailAnswer(membership=body))


class ProgramPath(RequestModel):
    program: ProgramCode


class ReportAnswer(ResponseModel):
    program: str
    name: str
    refreshed_at: datetime | None
    statistics: dict[str, Any]


@operation(
    bp,
    name="backoffice_program_report",
    method="GET",
    route="backoffice/programs/{program}/report",
    summary="The program's statistics of the last 12 months, as the program refresh built them",
    response=ReportAnswer,
    errors=(400, 401, 404),
    security="staff",
)
def backoffice_program_report(req: func.HttpRequest) -> func.HttpResponse:
    caller = staff(req)
    path = parse_params(req.route_params, ProgramPath)
    document = program_report(backends(), caller, path.program)
    return json_response(
        ReportAnswer(
            program=document.program,
            name=document.meta.name,
            refreshed_at=document.meta.last_refresh,
            statistics=document.statistics.model_dump(mode="json", by_alias=True),
        )
    )
