"""Control operations (DESIGN.md section 5, control): operators, with `X-Admin-Key`."""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Annotated, Any, TypeVar

import azure.functions as func
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    ValidationError,
    WithJsonSchema,
)

from mosaic.bootstrap import admin_key, backends
from mosaic.domain.base import ProgramCode, RequestModel, ResponseModel
from mosaic.domain.codes import CodeKind, activation_code_kind
from mosaic.domain.errors import InvalidField, NotAuthenticated
from mosaic.domain.program import ContentType
from mosaic.functions.answers import MembershipAnswer, membership_answer
from mosaic.functions.http import json_response, operation, parse_body
from mosaic.functions.problems import InvalidRequest
from mosaic.services.control import RefreshLogQuery, refresh_by_activation_code, refresh_log_page
from mosaic.services.membership_import import (
    Period,
    job_finished,
    last_months,
    month_period,
    read_job,
    start_import,
)
from mosaic.services.membership_update import update_memberships
from mosaic.services.program_refresh import refresh_program

bp = func.Blueprint()

ADMIN_HEADER = "x-admin-key"
M = TypeVar("M", bound=RequestModel)


def require_admin(req: func.HttpRequest) -> None:
    """The caller must send the admin key; compared in constant time, as bytes (a header
    with characters outside ASCII is simply wrong, never an error)."""
    given = req.headers.get(ADMIN_HEADER, "").encode("utf-8", "replace")
    if not given or not hmac.compare_digest(given, admin_key().encode("utf-8")):
        raise NotAuthenticated(f"control routes need the operators' key in {ADMIN_HEADER}")


def parse_params(params: Mapping[str, str], model: type[M]) -> M:
    """Route or query parameters into `model`; a broken rule is a 400 naming the parameter."""
    try:
        return model.model_validate(dict(params))
    except ValidationError as error:
        raise InvalidRequest(error) from None


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
    return json_response(membership_answer(document))


_SPACED_OFFSET = re.compile(r" (\d{2}(?::?\d{2})?)$")


def _plus_restored(value: Any) -> Any:
    """A `+hh:mm` offset sent unencoded in a query string arrives as ` hh:mm`."""
    return _SPACED_OFFSET.sub(r"+\1", value) if isinstance(value, str) else value


Filter = Annotated[str, Field(min_length=1, max_length=128)]


class RefreshLogParams(RequestModel):
    program: ProgramCode
    key: Filter | None = None
    outcome: Filter | None = None
    since: Annotated[AwareDatetime, BeforeValidator(_plus_restored)] | None = Field(
        default=None, description="ISO-8601 instant with offset: entries started at or after it"
    )
    continuation: Annotated[str, Field(min_length=1, max_length=4096)] | None = None
    page_size: Annotated[int, Field(ge=1, le=200)] = 50


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
    summary="The refresh log of one program, newest first, paged "
    "(?program=&key=&outcome=&since=&continuation=&pageSize=)",
    response=RefreshLogAnswer,
    errors=(400, 401),
    security="admin",
)
def control_refresh_log(req: func.HttpRequest) -> func.HttpResponse:
    require_admin(req)
    params = parse_params(req.params, RefreshLogParams)
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


class ProgramUpdateAnswer(ResponseModel):
    program: str
    since: datetime = Field(description="the watermark the run started from (exclusive)")
    until: datetime = Field(description="the end of the window read (inclusive)")
    queued: int = Field(description="refreshes queued (reason update)")
    program_wide: bool = Field(description="an offer changed: every digital membership queued")
    watermark: datetime = Field(description="the program's watermark after the run")


class MembershipUpdateAnswer(ResponseModel):
    queued: int
    programs: list[ProgramUpdateAnswer]


@operation(
    bp,
    name="control_update_memberships",
    method="POST",
    route="control/memberships/update",
    summary="Run the hourly membership update now: queue the refresh of every membership "
    "whose SoR rows changed since the last watermark",
    response=MembershipUpdateAnswer,
    errors=(401, 503),
    security="admin",
)
def control_update_memberships(req: func.HttpRequest) -> func.HttpResponse:
    require_admin(req)
    report = update_memberships(backends())
    return json_response(
        MembershipUpdateAnswer(
            queued=report.queued,
            programs=[
                ProgramUpdateAnswer(
                    program=update.program,
                    since=update.since,
                    until=update.until,
                    queued=update.queued,
                    program_wide=update.program_wide,
                    watermark=update.watermark,
                )
                for update in report.programs
            ],
        )
    )


class ImportPeriod(RequestModel):
    """Exactly one of `{year, month}` (one calendar month) or `{months}` (the last n months up
    to the current one, counted in UTC)."""

    year: Annotated[int, Field(ge=2000, le=2100, strict=True)] | None = None
    month: Annotated[int, Field(ge=1, le=12, strict=True)] | None = None
    months: Annotated[int, Field(ge=1, le=120, strict=True)] | None = Field(
        default=None, description="the last n calendar months up to this one (UTC)"
    )

    def period(self, today: date) -> Period:
        """The period asked for; InvalidField naming the field when the form is not one of
        the two (both given, neither, year without month)."""
        if self.months is not None:
            if self.year is not None or self.month is not None:
                field = "year" if self.year is not None else "month"
                raise InvalidField(field, "give either {year, month} or {months}, not both")
            return last_months(today, self.months)
        if self.year is None:
            raise InvalidField("year", "required with month (or give months instead)")
        if self.month is None:
            raise InvalidField("month", "required with year (or give months instead)")
        return month_period(self.year, self.month)


class ImportAnswer(ResponseModel):
    job_id: str
    total: int = Field(description="memberships that started in the period, each queued")


@operation(
    bp,
    name="control_import_memberships",
    method="POST",
    route="control/memberships/import",
    summary="Register and refresh the SoR memberships that started in a period, fanned out "
    "through the refresh queue as a job ({year, month} or {months}); 202 with the job id",
    request=ImportPeriod,
    response=ImportAnswer,
    status=202,
    errors=(400, 401, 503),
    security="admin",
)
def control_import_memberships(req: func.HttpRequest) -> func.HttpResponse:
    require_admin(req)
    params = parse_body(req, ImportPeriod)
    today = backends().clock.now().astimezone(UTC).date()
    started = start_import(backends(), params.period(today))
    response = json_response(ImportAnswer(job_id=started.job_id, total=started.total), 202)
    response.headers["Location"] = f"/api/control/jobs/{started.job_id}"
    return response


class JobTarget(RequestModel):
    id: Annotated[str, Field(pattern=r"^job-[0-9a-f-]{36}$")]


class JobAnswer(ResponseModel):
    id: str
    kind: str
    period: str
    total: int
    queued: int = Field(description="refreshes queued so far")
    done: int = Field(description="refreshed, or already fresh (dropped as served)")
    failed: int = Field(description="gone from the SoR, or given up after SoR outages")
    dropped: int = Field(description="of done: already fresh, not refreshed again")
    finished: bool = Field(description="everything queued and an outcome counted for each")
    created_at: datetime


@operation(
    bp,
    name="control_job",
    method="GET",
    route="control/jobs/{id}",
    summary="Progress of a fanned-out job (import)",
    response=JobAnswer,
    errors=(400, 401, 404),
    security="admin",
)
def control_job(req: func.HttpRequest) -> func.HttpResponse:
    require_admin(req)
    target = parse_params(req.route_params, JobTarget)
    body = read_job(backends(), target.id)
    return json_response(
        JobAnswer(
            id=target.id,
            kind=str(body["kind"]),
            period=str(body["period"]),
            total=int(body["total"]),
            queued=int(body["queued"]),
            done=int(body.get("done", 0)),
            failed=int(body.get("failed", 0)),
            dropped=int(body.get("dropped", 0)),
            finished=job_finished(body),
            created_at=datetime.fromisoformat(str(body["createdAt"])),
        )
    )
