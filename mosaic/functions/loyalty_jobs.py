"""Control: the daily loyalty job on demand and the cut-over migration of points expiries
(DESIGN section 8), operators only (`X-Admin-Key`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import azure.functions as func
from pydantic import Field

from mosaic.bootstrap import backends
from mosaic.domain.base import ProgramCode, RequestModel, ResponseModel
from mosaic.domain.loyalty.expiry import shown_expiry
from mosaic.domain.loyalty.migration import ExpiryMove
from mosaic.functions.control import require_admin
from mosaic.functions.http import json_response, operation, parse_params
from mosaic.functions.problems import invalid_body, json_body
from mosaic.services.loyalty_expiry import ProgramExpiry, expire_points
from mosaic.services.loyalty_migration import migrate_expiry
from mosaic.services.programs import program_timezone

bp = func.Blueprint()


class ExpiryTarget(RequestModel):
    program: ProgramCode | None = Field(default=None, description="one program (default: all)")


class ExpiryFigures(ResponseModel):
    examined: int = Field(description="memberships due, read (no others are)")
    entries_written: int = Field(description="expire entries written to ledgers")
    points_expired: int
    tiers_expired: int = Field(description="tiers whose validity ended (some granted again)")
    reminders_sent: int
    reminders_refused: int = Field(description="refused by the provider: not sent again")
    reminders_skipped: int = Field(description="the member has no e-mail address")
    reminders_pending: int = Field(description="the provider was unavailable: the next run")
    failed: int = Field(description="memberships left alone (see the log)")


class ProgramExpiryAnswer(ExpiryFigures):
    program: str


class ExpiryAnswer(ResponseModel):
    at: datetime = Field(description="the instant the job ran as")
    totals: ExpiryFigures
    programs: list[ProgramExpiryAnswer]


def _figures(program: ProgramExpiry) -> dict[str, int]:
    return {name: value for name, value in vars(program).items() if name != "program"}


@operation(
    bp,
    name="control_loyalty_expiry",
    method="POST",
    route="control/loyalty/expiry",
    summary="Run the daily loyalty job now (every program, or the one given): expire the "
    "points and tiers due, send the points and renewal reminders due; safe to run again",
    request=ExpiryTarget,
    response=ExpiryAnswer,
    errors=(400, 401, 404, 503),
    security="admin",
)
def control_loyalty_expiry(req: func.HttpRequest) -> func.HttpResponse:
    require_admin(req)
    target = parse_params(_optional_object(req), ExpiryTarget)
    report = expire_points(backends(), target.program)
    return json_response(
        ExpiryAnswer(
            at=report.at,
            totals=ExpiryFigures.model_validate(report.totals),
            programs=[
                ProgramExpiryAnswer(program=p.program, **_figures(p)) for p in report.programs
            ],
        )
    )


def _optional_object(req: func.HttpRequest) -> dict[str, object]:
    """The body's JSON object; no body at all stands for `{}`."""
    data = json_body(req)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise invalid_body("must be a JSON object")
    return data


class MigrationTarget(RequestModel):
    program: ProgramCode
    cutover_month: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] | None = Field(
        default=None,
        description="YYYY-MM; default: the program's loyalty.migrationMonth (2024-09)",
    )


class ExpiryMoveAnswer(ResponseModel):
    moved_from: datetime | None = Field(description="the old expiry (null: none)")
    moved_to: datetime = Field(description="the new one: a month's last second, local time")
    points: int


class MembershipMigratedAnswer(ResponseModel):
    membership_number: str
    moves: list[ExpiryMoveAnswer]


class MigrationAnswer(ResponseModel):
    program: str
    cutover_month: str
    examined: int = Field(description="memberships holding points")
    changed: int = Field(description="memberships whose expiries moved (0 on a second run)")
    points: int = Field(description="points whose expiry moved")
    memberships: list[MembershipMigratedAnswer]


@operation(
    bp,
    name="control_loyalty_migrate_expiry",
    method="POST",
    route="control/loyalty/migrate-expiry",
    summary="The cut-over migration of a program's points expiries: before the cut-over "
    "month to its end, later ones to the end of their own month; reports what it changed; "
    "a second run changes nothing",
    request=MigrationTarget,
    response=MigrationAnswer,
    errors=(400, 401, 404),
    security="admin",
)
def control_loyalty_migrate_expiry(req: func.HttpRequest) -> func.HttpResponse:
    require_admin(req)
    target = parse_params(_optional_object(req), MigrationTarget)
    report = migrate_expiry(backends(), target.program, target.cutover_month)
    timezone = program_timezone(backends(), target.program)

    def move(m: ExpiryMove) -> ExpiryMoveAnswer:
        was = shown_expiry(m.moved_from, timezone) if m.moved_from else None
        return ExpiryMoveAnswer(
            moved_from=was, moved_to=shown_expiry(m.moved_to, timezone), points=m.points
        )

    return json_response(
        MigrationAnswer(
            program=report.program,
            cutover_month=report.cutover_month,
            examined=report.examined,
            changed=len(report.changed),
            points=report.points,
            memberships=[
                MembershipMigratedAnswer(
                    membership_number=m.membership_number, moves=[move(x) for x in m.moves]
                )
                for m in report.changed
            ],
        )
    )
