"""The edge of POS and back-office routes: who calls (by key), and answering once per
Idempotency-Key."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import azure.functions as func
from pydantic import BaseModel

from mosaic.bootstrap import backends
from mosaic.domain.errors import MosaicError, RequestInProgress
from mosaic.domain.idempotency import HEADER, REPLAY_HEADER, Answer, Replayed, request_fingerprint
from mosaic.functions.problems import error_response, json_body
from mosaic.services.callers import Caller, identify
from mosaic.services.idempotency import answer_once

AGENT_ERRORS = (400, 401, 404, 409, 413, 422, 503)
IN_PROGRESS_WAIT_SECONDS = 2.0
"""How long a repeat waits for the first request with its key to be answered before 409."""
IDEMPOTENCY_HEADER = (
    HEADER,
    "1-255 visible ASCII characters; a repeat answers the first answer",
    True,
)


def agent(req: func.HttpRequest) -> Caller:
    return identify(backends(), "agent", req.headers.get("x-agent-key"))


def staff(req: func.HttpRequest) -> Caller:
    return identify(backends(), "staff", req.headers.get("x-staff-key"))


def _answer(status: int, model: BaseModel) -> Answer:
    return Answer(status=status, body=model.model_dump(mode="json", by_alias=True))


def _refusal(error: MosaicError) -> Answer:
    response = error_response(error)
    headers = {k: v for k, v in response.headers.items() if k.lower() == "retry-after"}
    return Answer(
        status=response.status_code,
        body=json.loads(response.get_body()),
        headers=headers,
        media_type=response.mimetype,
    )


def once(
    req: func.HttpRequest, caller: Caller, run: Callable[[], BaseModel], status: int = 200
) -> func.HttpResponse:
    """Run the operation once per the caller's Idempotency-Key; a repeat of the same request
    answers the first answer again (status and body), marked Idempotent-Replayed."""
    route = f"{req.method} {req.url.split('?')[0].split('/api/', 1)[-1].lower()}"
    fingerprint = request_fingerprint(route, json_body(req))
    deadline = time.monotonic() + IN_PROGRESS_WAIT_SECONDS
    pause = 0.01
    while True:
        try:
            result = answer_once(
                backends(),
                program=caller.program,
                caller=caller.id,
                key=req.headers.get(HEADER.lower()),
                fingerprint=fingerprint,
                run=lambda: _answer(status, run()),
                refusal=_refusal,
            )
            break
        except RequestInProgress:
            # A terminal's retry racing its own first attempt: the first answer is usually
            # milliseconds away, and answering it beats a 409 the terminal must retry.
            if time.monotonic() + pause > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.2)
    answer = result.answer if isinstance(result, Replayed) else result
    headers = dict(answer.headers)
    if isinstance(result, Replayed):
        headers[REPLAY_HEADER] = "true"
    return func.HttpResponse(
        answer.text, status_code=answer.status, mimetype=answer.media_type, headers=headers
    )
