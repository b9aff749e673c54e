"""Declaring an HTTP operation: the trigger, its error mapping and its OpenAPI entry at once."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import azure.functions as func
from pydantic import BaseModel, ValidationError

from mosaic.functions.problems import InvalidRequest, error_response, invalid_body, json_body
from mosaic.settings import get_settings

M = TypeVar("M", bound=BaseModel)
Handler = Callable[[func.HttpRequest], func.HttpResponse]


@dataclass(frozen=True)
class Operation:
    name: str
    method: str
    route: str
    summary: str
    tag: str
    request: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    errors: tuple[int, ...]
    security: str | None


OPERATIONS: list[Operation] = []


def operation(
    bp: func.Blueprint,
    *,
    name: str,
    method: str,
    route: str,
    summary: str,
    request: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    errors: tuple[int, ...] = (),
    security: str | None = None,
) -> Callable[[Handler], Handler]:
    """Register `handler` as an HTTP trigger whose errors become problem+json responses."""
    tag = route.split("/", 1)[0]

    def register(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def guarded(req: func.HttpRequest) -> func.HttpResponse:
            try:
                return handler(req)
            except Exception as error:
                return error_response(error)

        OPERATIONS.append(
            Operation(
                name,
                method.upper(),
                route,
                summary,
                tag,
                request,
                response,
                status,
                errors,
                security,
            )
        )
        routed = bp.route(
            route=route, methods=[method.upper()], auth_level=func.AuthLevel.FUNCTION
        )(guarded)
        return bp.function_name(name)(routed)  # type: ignore[no-any-return]

    return register


def parse_body(req: func.HttpRequest, model: type[M]) -> M:
    data = json_body(req)
    if not isinstance(data, dict):
        raise invalid_body("must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InvalidRequest(error) from None


def json_response(model: BaseModel, status: int = 200) -> func.HttpResponse:
    return func.HttpResponse(
        model.model_dump_json(by_alias=True), status_code=status, mimetype="application/json"
    )


def client_address(req: func.HttpRequest) -> str | None:
    """The caller's address: the X-Forwarded-For entry appended by the nearest trusted proxy
    (None when there is none: a misconfigured front end). Entries to its left are the
    client's own words (spoofable); MOSAIC_TRUSTED_PROXY_HOPS counts the proxies (e.g. Front
    Door) whose own entries stand to its right. Ports and brackets are the throttle's to
    normalise (domain.throttling.client_key)."""
    hops = [h.strip() for h in req.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    if not hops:
        return None
    address: str = hops[max(0, len(hops) - 1 - get_settings().trusted_proxy_hops)]
    return address
