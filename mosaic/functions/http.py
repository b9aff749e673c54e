"""Declaring an HTTP operation: the trigger, its error mapping and its OpenAPI entry at once."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import azure.functions as func
from pydantic import BaseModel, ValidationError

from mosaic.functions.problems import InvalidRequest, error_response, invalid_body, json_body
from mosaic.settings import get_settings

M = TypeVar("M", bound=BaseModel)
Handler = Callable[[func.HttpRequest], func.HttpResponse]


Header = tuple[str, str, bool]
"""A request header an operation reads: name, description, required."""


@dataclass(frozen=True)
class Operation:
    """What an HTTP operation takes and answers, as its OpenAPI entry documents it."""

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
    query: type[BaseModel] | None = None
    headers: tuple[Header, ...] = ()
    extra_statuses: tuple[int, ...] = ()


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
    query: type[BaseModel] | None = None,
    headers: tuple[Header, ...] = (),
    extra_statuses: tuple[int, ...] = (),
) -> Callable[[Handler], Handler]:
    """Register `handler` as an HTTP trigger whose errors become problem+json responses.

    `request` and `query` are the models the handler reads with parse_body and parse_query;
    `headers` the request headers it reads (name, description, required); `extra_statuses`
    its other success answers (e.g. 201 beside 200), with the `response` body unless the
    status has none (204, 304). Together they make the operation's OpenAPI entry."""
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
                name=name,
                method=method.upper(),
                route=route,
                summary=summary,
                tag=tag,
                request=request,
                response=response,
                status=status,
                errors=errors,
                security=security,
                query=query,
                headers=headers,
                extra_statuses=extra_statuses,
            )
        )
        routed = bp.route(
            route=route, methods=[method.upper()], auth_level=func.AuthLevel.FUNCTION
        )(guarded)
        return bp.function_name(name)(routed)  # type: ignore[no-any-return]

    return register


def parse_body(req: func.HttpRequest, model: type[M]) -> M:
    """The JSON object body as `model` (json_body's rules first); a broken rule is a 400
    naming the field."""
    data = json_body(req)
    if not isinstance(data, dict):
        raise invalid_body("must be a JSON object")
    return parse_params(data, model)


def parse_query(req: func.HttpRequest, model: type[M]) -> M:
    """The query string as `model` (camelCase names; a repeated parameter arrives joined
    with commas); a broken rule is a 400 naming the parameter, unknown ones are ignored."""
    return parse_params(req.params, model)


def parse_params(params: Mapping[str, object], model: type[M]) -> M:
    """Route or query parameters (or a body's fields) as `model`; a broken rule is a 400
    naming the parameter."""
    try:
        return model.model_validate(dict(params))
    except ValidationError as error:
        raise InvalidRequest(error) from None


def json_response(
    model: BaseModel, status: int = 200, headers: dict[str, str] | None = None
) -> func.HttpResponse:
    return func.HttpResponse(
        model.model_dump_json(by_alias=True),
        status_code=status,
        mimetype="application/json",
        headers=headers,
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
