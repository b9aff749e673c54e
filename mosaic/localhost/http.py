"""HTTP functions as Starlette routes: request and response conversion, host-level errors."""

from __future__ import annotations

import logging
import time
from typing import Any

import azure.functions as func
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from mosaic.localhost.discovery import FunctionSpec
from mosaic.localhost.invoke import FunctionTimedOut, call_async, invocations
from mosaic.localhost.routes import precedence, starlette_paths

logger = logging.getLogger("mosaic.host")

PROBLEM_JSON = "application/problem+json"
_HOP_BY_HOP = {"content-length", "transfer-encoding", "connection"}


def http_routes(specs: list[FunctionSpec], prefix: str, timeout: float | None) -> list[Route]:
    """One Starlette route per path of every HTTP function, most specific first."""
    http_specs = sorted(
        (spec for spec in specs if spec.kind == "http"),
        key=lambda spec: precedence(spec.route or ""),
    )
    _log_ignored_auth_levels(http_specs)
    return [
        Route(
            path, _endpoint(spec, timeout), methods=list(spec.methods), name=f"{spec.name}:{path}"
        )
        for spec in http_specs
        for path in starlette_paths(prefix, spec.route or "")
    ]


def problem(
    status: int, title: str, detail: str, headers: dict[str, str] | None = None
) -> Response:
    """An RFC 9457 problem document."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


async def not_found(request: Request, exc: Exception) -> Response:
    return problem(404, "Not Found", f"No function answers {request.url.path}.")


async def method_not_allowed(request: Request, exc: Exception) -> Response:
    """405 with an Allow header naming the methods of every function on this path."""
    allowed: set[str] = set()
    for route in request.app.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE and isinstance(route, Route):
            allowed.update(route.methods or ())
    detail = f"{request.method} is not allowed on {request.url.path}."
    return problem(405, "Method Not Allowed", detail, {"Allow": ", ".join(sorted(allowed))})


class StripTrailingSlash:
    """`/api/items/1/` is `/api/items/1`, as ASP.NET routing matches it (no redirect)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and len(path) > 1 and path.endswith("/"):
            scope = {**scope, "path": path.rstrip("/") or "/"}
        await self.app(scope, receive, send)


def _endpoint(spec: FunctionSpec, timeout: float | None) -> Any:
    async def endpoint(request: Request) -> Response:
        started = time.perf_counter()
        azure_request = await to_azure_request(request)
        try:
            result = await call_async(spec, azure_request, timeout=timeout)
            response = to_starlette_response(result)
        except FunctionTimedOut as error:
            logger.error("%s", error)
            response = problem(500, "Internal Server Error", "The function ran out of time.")
        except Exception:
            logger.exception("%s raised an exception", spec.name)
            detail = "The function failed; the host log has the details."
            response = problem(500, "Internal Server Error", detail)
        invocations.record(spec, response.status_code, started)
        return response

    endpoint.__name__ = spec.name
    return endpoint


async def to_azure_request(request: Request) -> func.HttpRequest:
    """The request as the Functions host hands it over: repeated values joined with commas,
    and the client address appended to x-forwarded-for, as Azure's front end does."""
    headers: dict[str, str] = {}
    for key, value in request.headers.items():
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    if request.client is not None:
        # A front end appends the address it saw, so only the last hops are trustworthy.
        seen = headers.get("x-forwarded-for")
        headers["x-forwarded-for"] = (
            f"{seen}, {request.client.host}" if seen else request.client.host
        )
    params = {key: ",".join(request.query_params.getlist(key)) for key in request.query_params}
    route_params = {key: str(value) for key, value in request.path_params.items()}
    return func.HttpRequest(
        method=request.method,
        url=str(request.url),
        headers=headers,
        params=params,
        route_params=route_params,
        body=await request.body(),
    )


def to_starlette_response(result: object) -> Response:
    """A func.HttpResponse (or a str/bytes body, as the worker allows) as a Starlette response.

    Content-Type is the function's own header when set, otherwise its mimetype
    (with the charset for text/*), as azure.functions' response converter does.
    """
    if isinstance(result, str | bytes):
        result = func.HttpResponse(result)
    if not isinstance(result, func.HttpResponse):
        raise TypeError(f"an HTTP function must return func.HttpResponse, got {type(result)!r}")
    response = Response(content=result.get_body() or b"", status_code=result.status_code)
    for key, value in result.headers.items():
        if key.lower() not in _HOP_BY_HOP:
            response.headers.append(key, value)
    if "content-type" not in response.headers:
        mimetype, charset = result.mimetype, result.charset
        content_type = (
            f"{mimetype}; charset={charset}" if mimetype.startswith("text/") else mimetype
        )
        response.headers["content-type"] = content_type
    return response


def _log_ignored_auth_levels(specs: list[FunctionSpec]) -> None:
    keyed = sorted(spec.name for spec in specs if (spec.auth_level or "") != "anonymous")
    if keyed:
        logger.info(
            "function keys are not checked by the local host (auth level ignored on %d: %s)",
            len(keyed),
            ", ".join(keyed),
        )
