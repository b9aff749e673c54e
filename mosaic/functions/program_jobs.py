"""The program refresh's triggers: the 8-hourly timer queues one refresh per program, the
`program-refresh` queue trigger runs them (DESIGN section 1)."""

from __future__ import annotations

import logging

import azure.functions as func

from mosaic.bootstrap import backends
from mosaic.domain.errors import (
    DocumentFromNewerSchema,
    ProgramNotFound,
    SystemOfRecordUnavailable,
)
from mosaic.services.program_refresh import (
    PROGRAM_REFRESH_QUEUE,
    ProgramRefreshRequest,
    refresh_program,
    request_program_refreshes,
    retry_program_refresh_later,
)

bp = func.Blueprint()
log = logging.getLogger("mosaic.jobs")


@bp.function_name("refresh_programs")
@bp.timer_trigger(arg_name="timer", schedule="0 0 */8 * * *")
def refresh_programs(timer: func.TimerRequest) -> None:
    codes = request_program_refreshes(backends(), "scheduled")
    log.info("queued the refresh of %d programs", len(codes))


@bp.function_name("program_refresh")
@bp.queue_trigger(
    arg_name="msg", queue_name=PROGRAM_REFRESH_QUEUE, connection="AzureWebJobsStorage"
)
def program_refresh(msg: func.QueueMessage) -> None:
    """A malformed message or an SoR error other than an outage raises: the host retries,
    then poisons it. An SoR outage queues the refresh again with a growing delay."""
    request = ProgramRefreshRequest.model_validate_json(msg.get_body())
    try:
        refresh_program(backends(), request.program, request.reason)
    except SystemOfRecordUnavailable:
        delay = retry_program_refresh_later(backends(), request)
        if delay is not None:
            log.info("refresh of program %s waits %d s for the SoR", request.program, delay)
    except ProgramNotFound:
        log.warning("program %s is not in the SoR; nothing to refresh", request.program)
    except DocumentFromNewerSchema as error:
        log.warning("%s; the newer deployment refreshes it", error.detail)
