"""Brochure-ware (GET /mobile/programs/{program}/content): no token; cacheable by apps and
CDNs (ETag, Cache-Control, If-None-Match -> 304)."""

from __future__ import annotations

import hashlib

import azure.functions as func
from pydantic import Field

from mosaic.bootstrap import backends
from mosaic.domain.base import ProgramCode, RequestModel
from mosaic.domain.program import ContentType
from mosaic.functions.http import operation, parse_params, parse_query
from mosaic.functions.mobile.answers import ContentAnswer, content_answer
from mosaic.functions.mobile.blueprint import bp
from mosaic.services.brochure import program_brochure

CACHE_CONTROL = "public, max-age=300, stale-while-revalidate=3600"
"""Content changes with the 8-hourly program refresh: five minutes of staleness is nothing
to a reader, and every revalidation after it is a 304 while nothing changed."""


class ContentQuery(RequestModel):
    type: ContentType = Field(default=ContentType.APP, description="app or site")


class ContentPath(RequestModel):
    program: ProgramCode


@operation(
    bp,
    name="mobile_program_content",
    method="GET",
    route="mobile/programs/{program}/content",
    summary="A program's brochure-ware (hotels, dining, offers); no token needed",
    query=ContentQuery,
    response=ContentAnswer,
    errors=(400, 404, 503),
    headers=(("If-None-Match", "an ETag from an earlier answer: 304 when unchanged", False),),
    extra_statuses=(304,),
)
def mobile_program_content(req: func.HttpRequest) -> func.HttpResponse:
    program = parse_params(req.route_params, ContentPath).program
    query = parse_query(req, ContentQuery)
    body = content_answer(program_brochure(backends(), program, query.type))
    payload = body.model_dump_json(by_alias=True).encode()
    etag = f'"{hashlib.sha256(payload).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": "Accept-Encoding"}
    if _matches(req.headers.get("if-none-match"), etag):
        # A cache refreshes its stored headers from a 304: the type stays the body's.
        return func.HttpResponse(status_code=304, headers=headers, mimetype="application/json")
    return func.HttpResponse(payload, mimetype="application/json", headers=headers)


def _matches(if_none_match: str | None, etag: str) -> bool:
    """If-None-Match (RFC 9110 13.1.2): `*`, or a list of tags compared weakly."""
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags
