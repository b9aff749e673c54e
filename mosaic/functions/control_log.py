"""Control: the refresh log (GET /control/refresh-log), on the control blueprint."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

import azure.functions as func
from pydantic import (
    AwareDatetime,
    BeforeValidator,
    Field,
)

from mosaic.bootstrap import backends
from mosaic.domain.base import ProgramCode, RequestModel, ResponseModel
from mosaic.functions.control import bp, require_admin
from mosaic.functions.http import json_response, operation, parse_query
from mosaic.services.control import RefreshLogQuery, refresh_log_page

_SPACED_OFFSET = re.compile(r" (\d{2}(?::?\d{2})?)$")


def _plus_restored(value: Any) -> Any:
    """A `+hh:mm` offset sent unencoded in a query string arrives as ` hh:mm`."""
    return _SPACED_OFFSET.sub(r"+\1", value) if isinstance(value, str) else value


Filter = Annotated[str, Field(min_length=1, max_length=128)]


class RefreshLogParams(RequestModel):
    program: ProgramCode
    key: Filter | None = Field(
        default=None, description="only this membership number (or program code)"
    )
    outcome: Filter | None = Field(
        default=None, description="only this outcome, e.g. refreshed, unchanged, removed, failed"
    )
    since: Annotated[AwareDatetime, BeforeValidator(_plus_restored)] | None = Field(
        default=None, description="ISO-8601 instant with offset: entries started at or after it"
    )
    continuation: Annotated[str, Field(min_length=1, max_length=4096)] | None = Field(
        default=None, description="the previous page's continuation, for the next page"
    )
    page_size: Annotated[int, Field(ge=1, le=200)] = Field(
        default=50, description="entries per page"
    )


class CodeConflictAnswer(ResponseModel):
    kind: str
    code: str
    held_by: str


class RefreshLogEntry(ResponseModel):
    """One refresh of a membership (key = membership number) or a program (key = its code)."""

    program: str
    key: str
    kind: str = Field(description="membership or program")
    reason: str
    started: datetime
    finished: datetime
    duration_ms: float
    outcome: str
    code_conflicts: list[CodeConflictAnswer] | None = None
    codes_released: list[str] | None = None
    error: str | None = Field(default=None, description="what made a failed refresh fail")


class RefreshLogAnswer(ResponseModel):
    items: list[RefreshLogEntry]
    continuation: str | None = Field(
        description="pass it back, with the same filters, for the next page; null on the last"
    )


@operation(
    bp,
    name="control_refresh_log",
    method="GET",
    route="control/refresh-log",
    summary="The refresh log of one program, newest first, paged",
    query=RefreshLogParams,
    response=RefreshLogAnswer,
    errors=(400, 401),
    security="admin",
)
def control_refresh_log(req: func.HttpRequest) -> func.HttpResponse:
    require_admin(req)
    params = parse_query(req, RefreshLogParams)
    page = refresh_log_page(
        backends(),
        RefreshLogQuery(
            program=params.program,
            key=params.key,
            outcome=params.outcome,
            since=params.since,
            continuation=params.continuation,
            page_size=params.page_size,
        ),
    )
    items = [RefreshLogEntry.model_validate(entry.body) for entry in page.documents]
    return json_response(RefreshLogAnswer(items=items, continuation=page.continuation))
