"""Control: the hourly update on demand, the import job and its progress, on the control
blueprint."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

import azure.functions as func
from pydantic import (
    Field,
)

from mosaic.bootstrap import backends
from mosaic.domain.base import RequestModel, ResponseModel
from mosaic.domain.errors import InvalidField
from mosaic.functions.control import bp, require_admin
from mosaic.functions.http import json_response, operation, parse_body, parse_params
from mosaic.services.membership_import import (
    Period,
    last_months,
    month_period,
    read_job,
    start_import,
)
from mosaic.services.membership_update import update_memberships


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
    job = read_job(backends(), target.id)
    body = job.body
    return json_response(
        JobAnswer(
            id=target.id,
            kind=str(body["kind"]),
            period=str(body["period"]),
            total=int(body["total"]),
            queued=int(body["queued"]),
            done=job.done,
            failed=job.failed,
            dropped=job.dropped,
            finished=job.finished,
            created_at=datetime.fromisoformat(str(body["createdAt"])),
        )
    )
