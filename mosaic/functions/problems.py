"""Every error a client can cause, mapped to an RFC 9457 problem+json response: one place."""

from __future__ import annotations

import json
import logging
import math
import re
from itertools import accumulate
from typing import Any

import azure.functions as func
from pydantic import BaseModel, Field, ValidationError

from mosaic.domain import errors

log = logging.getLogger("mosaic.functions")

PROBLEM_JSON = "application/problem+json"

STATUS: dict[type[errors.MosaicError], int] = {
    errors.InvalidField: 400,
    errors.UnknownActivationCode: 401,
    errors.NotAuthenticated: 401,
    errors.InviteePeriodOver: 403,
    errors.InvitationLapsed: 403,
    errors.NotAllowedForMembership: 403,
    errors.InvitationLimitReached: 409,
    errors.OfferNotEligible: 404,
    errors.DiscountCodeExpired: 410,
    errors.DiscountCodeConsumed: 409,
    errors.DiscountCodeNotFound: 404,
    errors.DiscountCodeNotValidHere: 422,
    errors.RequestInProgress: 409,
    errors.IdempotencyKeyReused: 422,
    errors.MembershipNotFound: 404,
    errors.ProgramNotFound: 404,
    errors.JobNotFound: 404,
    errors.ProgramMisconfigured: 503,
    errors.SorDataInvalid: 502,
    errors.ConcurrentUpdate: 503,
    errors.DocumentFromNewerSchema: 503,
    errors.TooManyAttempts: 429,
    errors.CodeSpaceExhausted: 503,
    errors.SystemOfRecordUnavailable: 503,
    errors.VoucherNotFound: 404,
    errors.VoucherRemoved: 404,
    errors.VoucherAlreadyRedeemed: 409,
    errors.VoucherNotRedeemed: 409,
    errors.VoucherNotRedeemedHere: 409,
    errors.MembershipNotUsable: 422,
    errors.VoucherExpired: 422,
    errors.VoucherCancelled: 422,
    errors.VoucherNotYetValid: 422,
    errors.VoucherNotValidHere: 422,
    errors.PolicyRefused: 422,
    errors.BookingNotFound: 404,
    errors.NotEnoughPoints: 422,
}


class FieldProblem(BaseModel):
    field: str = Field(description="dotted path of the field in the request, e.g. device.deviceId")
    rule: str = Field(description="the rule the value breaks")


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldProblem] | None = None
    rule: str | None = Field(
        default=None, description="the redemption policy rule that refused, e.g. maxPerDay"
    )


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> func.HttpResponse:
    return func.HttpResponse(
        problem.model_dump_json(exclude_none=True),
        status_code=problem.status,
        mimetype=PROBLEM_JSON,
        headers=headers,
    )


def _slug(error: Exception) -> str:
    name = type(error).__name__
    return "".join(f"-{c.lower()}" if c.isupper() else c for c in name).lstrip("-")


def field_problems(error: ValidationError) -> list[FieldProblem]:
    problems = []
    for item in error.errors(include_url=False):
        field = ".".join(str(part) for part in item["loc"]) or "body"
        # A validator's own ValueError reads best as its message alone; anything else (an
        # email's reason, a pattern) as pydantic's message.
        own = item.get("ctx", {}).get("error") if item["type"] == "value_error" else None
        rule = str(own) if own is not None else item["msg"]
        problems.append(FieldProblem(field=field, rule=rule))
    return problems


MAX_BODY_BYTES = 64 * 1024


class InvalidRequest(Exception):
    """What the client sent (body, query string, route parameters, headers) breaks the
    request's rules (a 400). Only requests raise it: a stored document that fails validation
    is the server's problem, never a 400."""

    def __init__(self, error: ValidationError) -> None:
        super().__init__(str(error))
        self.error = error


class BodyTooLarge(Exception):
    """A body over MAX_BODY_BYTES (a 413)."""


def error_response(error: Exception) -> func.HttpResponse:
    """The response for an error raised while serving a request."""
    if isinstance(error, BodyTooLarge):
        return problem_response(
            Problem(
                type="urn:mosaic:problem:body-too-large",
                title="Body too large",
                status=413,
                detail=f"a request body may have at most {MAX_BODY_BYTES} bytes",
            )
        )
    if isinstance(error, InvalidRequest):
        problems = field_problems(error.error)
        detail = "; ".join(f"{p.field}: {p.rule}" for p in problems)
        return problem_response(
            Problem(
                type="urn:mosaic:problem:invalid-request",
                title="Invalid request",
                status=400,
                detail=detail,
                errors=problems,
            )
        )
    if isinstance(error, errors.MosaicError):
        status = next((s for kind, s in STATUS.items() if isinstance(error, kind)), 400)
        problem = Problem(
            type=f"urn:mosaic:problem:{_slug(error)}",
            title=error.title,
            status=status,
            detail=error.detail,
        )
        if isinstance(error, errors.InvalidField):
            problem.errors = [FieldProblem(field=error.field, rule=error.rule)]
        if isinstance(error, errors.NotEnoughPoints):
            problem.errors = [FieldProblem(field="points", rule=error.detail)]
        if isinstance(error, errors.PolicyRefused):
            problem.rule = error.rule
        headers: dict[str, str] = {}
        retry_after = getattr(error, "retry_after_seconds", None)
        if isinstance(retry_after, int):
            headers["Retry-After"] = str(retry_after)
        if isinstance(error, errors.NotAuthenticated):
            headers["WWW-Authenticate"] = 'Bearer realm="mosaic"'
        return problem_response(problem, headers or None)
    log.exception("unhandled error while serving a request", exc_info=error)
    return problem_response(
        Problem(
            title="Internal Server Error",
            status=500,
            detail="the server failed to answer; the failure is logged",
        )
    )


def invalid_body(rule: str) -> InvalidRequest:
    """The error for a body that is not a JSON object at all."""
    return invalid_field("body", rule)


def invalid_field(field: str, rule: str) -> InvalidRequest:
    """The 400 naming one field (or header) of the request and the rule it breaks."""
    return InvalidRequest(
        ValidationError.from_exception_data(
            "request",
            [
                {
                    "type": "value_error",
                    "loc": (field,),
                    "input": None,
                    "ctx": {"error": ValueError(rule)},
                }
            ],
        )
    )


def _first_line(error: ValueError) -> str:
    return str(error).splitlines()[0][:120]


MAX_DEPTH = 64
"""How deep a request body may nest arrays and objects: no request needs more, and a deeper
one would only try the parser's (and every later walker's) recursion limit."""
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_CHARSET_RULE = "charset must be utf-8"


def json_body(req: func.HttpRequest) -> Any:
    """The body as JSON: at most MAX_BODY_BYTES (by its Content-Length, before the body is
    read, and by its real length), sent as JSON (a missing Content-Type is taken for JSON),
    UTF-8, nested at most MAX_DEPTH deep, numbers finite (no NaN or Infinity)."""
    if _declared_length(req) > MAX_BODY_BYTES:
        raise BodyTooLarge()
    raw = req.get_body() or b""
    if len(raw) > MAX_BODY_BYTES:
        raise BodyTooLarge()
    if raw:
        _require_json_content_type(req.headers.get("content-type", ""))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise invalid_body("must be UTF-8 encoded JSON") from None
    if _too_deep(text):
        raise invalid_body("is nested too deeply")
    try:
        return json.loads(
            text or "null", parse_constant=_not_json, parse_float=_finite, parse_int=_integer
        )
    except RecursionError:
        raise invalid_body("is nested too deeply") from None
    except ValueError as error:
        raise invalid_body(f"is not valid JSON ({_first_line(error)})") from None


def _not_json(constant: str) -> Any:
    """NaN and Infinity, which Python's parser takes and JSON has not."""
    raise ValueError(f"{constant} is not a JSON number")


def _finite(number: str) -> float:
    value = float(number)
    if math.isinf(value):
        raise ValueError(f"{number[:20]} is out of range")
    return value


MAX_INTEGER_DIGITS = 100
"""No request field needs a longer integer; Python's own limit (4300 digits) would answer in
its words (`sys.set_int_max_str_digits`)."""


def _integer(number: str) -> int:
    if len(number.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise ValueError(f"{number[:20]}... is out of range")
    return int(number)


def _declared_length(req: func.HttpRequest) -> int:
    """The Content-Length header's value; 0 when absent (chunked) or not a number."""
    declared = req.headers.get("content-length", "").strip()
    return int(declared) if declared.isdigit() else 0


def _require_json_content_type(header: str) -> None:
    """JSON is `application/json` or `application/*+json`, in UTF-8 if a charset is named;
    a missing (or blank) Content-Type is taken for JSON, as many simple clients omit it."""
    media, *parameters = header.split(";")
    media = media.strip().lower()
    if not media:
        return
    if media != "application/json" and not (
        media.startswith("application/") and media.endswith("+json")
    ):
        raise invalid_field("Content-Type", "must be application/json")
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        charset = value.strip().strip('"').lower()
        if name.strip().lower() == "charset" and charset not in ("utf-8", "utf8"):
            raise invalid_field("Content-Type", _CHARSET_RULE)


def _too_deep(text: str) -> bool:
    """Whether arrays and objects nest past MAX_DEPTH, brackets inside strings not counted;
    a body with few brackets is not scanned at all."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0) > MAX_DEPTH
