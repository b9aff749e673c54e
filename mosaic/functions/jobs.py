"""Queue and timer triggers: the background work."""

from __future__ import annotations

import logging

import azure.functions as func

from mosaic.bootstrap import backends
from mosaic.domain.errors import (
    DocumentFromNewerSchema,
    MembershipNotFound,
    SystemOfRecordUnavailable,
)
from mosaic.services.loyalty_expiry import expire_points
from mosaic.services.membership_import import JobOutcome, record_outcome
from mosaic.services.membership_update import update_memberships as run_update
from mosaic.services.refresh import (
    MEMBERSHIP_REFRESH_QUEUE,
    MembershipRefreshRequest,
    refresh_requested,
    retry_when_sor_is_back,
)

bp = func.Blueprint()
log = logging.getLogger("mosaic.jobs")


@bp.function_name("membership_refresh")
@bp.queue_trigger(
    arg_name="msg", queue_name=MEMBERSHIP_REFRESH_QUEUE, connection="AzureWebJobsStorage"
)
def membership_refresh(msg: func.QueueMessage) -> None:
    """A malformed message or an SoR error other than an outage raises: the host retries,
    then poisons it. An SoR outage queues the request again with a growing delay (the
    message itself completes), up to a limit after which the hourly update catches up."""
    request = MembershipRefreshRequest.model_validate_json(msg.get_body())
    outcome = _refresh(request)
    if request.job is not None and outcome is not None:
        record_outcome(backends(), request.job, request.program, request.membership_number, outcome)


def _refresh(request: MembershipRefreshRequest) -> JobOutcome | None:
    """Refresh, and answer what a job counts: None while the request is queued again."""
    try:
        refreshed = refresh_requested(backends(), request)
    except SystemOfRecordUnavailable:
        delay = retry_when_sor_is_back(backends(), request)
        if delay is None:
            return JobOutcome.FAILED
        log.info(
            "SoR down: refresh of %s/%s queued again in %d s (attempt %d)",
            request.program,
            request.membership_number,
            delay,
            request.attempt + 1,
        )
        return None
    except MembershipNotFound:
        log.warning(
            "membership %s/%s is gone from the SoR; marked removed where it was digital",
            request.program,
            request.membership_number,
        )
        return JobOutcome.FAILED
    except DocumentFromNewerSchema as error:
        log.warning("%s; the newer deployment refreshes it", error.detail)
        return JobOutcome.FAILED
    return JobOutcome.DONE if refreshed is not None else JobOutcome.DROPPED


@bp.function_name("expired_documents_sweep")
@bp.timer_trigger(arg_name="timer", schedule="0 30 * * * *")
def expired_documents_sweep(timer: func.TimerRequest) -> None:
    """Deletes documents whose ttl ran out, where the store does not (Cosmos DB does it
    itself; there this finds nothing). DESIGN section 3: "a sweep in the hourly job"."""
    purged = backends().documents.purge_expired()
    if purged:
        log.info("swept %d expired documents", purged)


@bp.function_name("update_memberships")
@bp.timer_trigger(arg_name="timer", schedule="0 0 * * * *")
def update_memberships(timer: func.TimerRequest) -> None:
    """Hourly: queue the refresh of every membership whose SoR rows changed since the last
    watermark (DESIGN section 1). An SoR outage raises: the watermarks stay, so the next
    run reads the whole gap."""
    report = run_update(backends())
    for update in report.programs:
        log.info(
            "membership update of %s: %d queued, watermark %s",
            update.program,
            update.queued,
            update.watermark.isoformat(),
        )


@bp.function_name("loyalty_expiry")
@bp.timer_trigger(arg_name="timer", schedule="0 0 1 * * *")
def loyalty_expiry(timer: func.TimerRequest) -> None:
    """Daily at 01:00 UTC (08:00 in Bangkok): expire the points and tiers due and send the
    reminders due (DESIGN section 8); each program's timezone decides what is due. A run
    that stops anywhere is carried on by the next (or by POST /control/loyalty/expiry)."""
    report = expire_points(backends())
    log.info("daily loyalty job at %s: %s", report.at.isoformat(), report.totals)
