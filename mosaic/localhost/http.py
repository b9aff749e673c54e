"""HTTP functions over ASGI: the request as the Functions host hands it over, the function's
response on the wire, and the host's own answers (404, 405, 500) as problem documents.

Straight from the ASGI scope to `func.HttpRequest` and back, without a framework's
request and response objects in between: per request, one route look-up, one pass over
the headers, one hop to a worker thread (sync functions) and two ASGI messages.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import parse_qsl, quote

import azure.functions as func

from mosaic.localhost.discovery import FunctionSpec
from mosaic.localhost.hostconfig import HostConfig
from mosaic.localhost.invoke import FunctionTimedOut, call_async, invocations
from mosaic.localhost.routes import Router

logger = logging.getLogger("mosaic.host")

Scope = dict[str, Any]
Receive = Any
Send = Any
RawHeaders = list[tuple[bytes, bytes]]

PROBLEM_JSON = "application/problem+json"
MAX_BODY_BYTES = 100 * 1024 * 1024
"""The Functions host's own limit on a request body (100 MB); larger ones are a 413."""
_HOP_BY_HOP = {"content-length", "transfer-encoding", "connection"}
_NO_BODY = {204, 304}


class HttpFunctions:
    """The ASGI handler of `http` scopes: routes each request to its function."""

    def __init__(self, specs: list[FunctionSpec], config: HostConfig) -> None:
        self._router = Router(specs, config.route_prefix)
        self._timeout = config.function_timeout
        _log_ignored_auth_levels(specs)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self._router.match(scope["method"], scope["path"])
        if isinstance(found, frozenset):
            await _respond(send, *_miss(scope, found))
            return
        spec, route_params = found
        body = await _read_body(receive)
        if body is _DISCONNECTED:
            return  # the client left before its body ended: nothing to run, no one to answer
        if body is None:
            detail = f"The request body is over the host's limit of {MAX_BODY_BYTES} bytes."
            await _respond(send, *problem(413, "Content Too Large", detail))
            return
        started = time.perf_counter()
        try:
            request = to_azure_request(scope, body, route_params)
            result = await call_async(spec, request, timeout=self._timeout)
            answer = from_azure_response(result)
        except FunctionTimedOut as error:
            logger.error("%s", error)
            answer = problem(500, "Internal Server Error", "The function ran out of time.")
        except Exception:
            logger.exception("%s raised an exception", spec.name)
            detail = "The function failed; the host log has the details."
            answer = problem(500, "Internal Server Error", detail)
        invocations.record(spec, answer[0], started)
        await _respond(send, *answer)


Answer = tuple[int, RawHeaders, bytes]


def problem(status: int, title: str, detail: str, headers: RawHeaders | None = None) -> Answer:
    """An RFC 9457 problem document."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    content = json.dumps(body).encode()
    return status, [(b"content-type", PROBLEM_JSON.encode()), *(headers or [])], content


def to_azure_request(scope: Scope, body: bytes, route_params: dict[str, str]) -> func.HttpRequest:
    """The request as the Functions host hands it over: repeated values joined with commas,
    and the client address appended to x-forwarded-for, as Azure's front end does."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
        seen = headers.get(name)
        headers[name] = value if seen is None else f"{seen}, {value}"
    client = scope.get("client")
    if client:
        # A front end appends the address it saw, so only the last hops are trustworthy.
        seen = headers.get("x-forwarded-for")
        headers["x-forwarded-for"] = f"{seen}, {client[0]}" if seen else client[0]
    query: bytes = scope.get("query_string", b"")
    return func.HttpRequest(
        method=scope["method"],
        url=_url(scope, headers, query),
        headers=headers,
        params=_query_params(query) if query else {},
        route_params=route_params,
        body=body,
    )


def from_azure_response(result: object) -> Answer:
    """A func.HttpResponse (or a str/bytes body, as the worker allows) as status, headers and
    body. Content-Type is the function's own header when set, otherwise its mimetype (with
    the charset for text/*), as azure.functions' response converter does."""
    if isinstance(result, str | bytes):
        result = func.HttpResponse(result)
    if not isinstance(result, func.HttpResponse):
        raise TypeError(f"an HTTP function must return func.HttpResponse, got {type(result)!r}")
    headers: RawHeaders = []
    typed = False
    for key, value in result.headers.items():
        name = key.lower()
        if name not in _HOP_BY_HOP:
            typed = typed or name == "content-type"
            headers.append((name.encode("latin-1"), value.encode("latin-1")))
    if not typed:
        mimetype, charset = result.mimetype, result.charset
        content_type = (
            f"{mimetype}; charset={charset}" if mimetype.startswith("text/") else mimetype
        )
        headers.append((b"content-type", content_type.encode("latin-1")))
    return result.status_code, headers, result.get_body() or b""


def _miss(scope: Scope, allowed: frozenset[str]) -> Answer:
    path = scope["path"]
    if not allowed:
        return problem(404, "Not Found", f"No function answers {path}.")
    detail = f"{scope['method']} is not allowed on {path}."
    allow = ", ".join(sorted(allowed)).encode()
    return problem(405, "Method Not Allowed", detail, [(b"allow", allow)])


_DISCONNECTED = b"\x00disconnected"
"""What _read_body answers when the client went away mid-body (compared by identity)."""


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body; None once it grows past MAX_BODY_BYTES (the rest is not read);
    _DISCONNECTED when the client left before the body ended."""
    message = await receive()
    if message["type"] == "http.disconnect":
        return _DISCONNECTED
    body: bytes = message.get("body", b"")
    if not message.get("more_body", False):
        return body if len(body) <= MAX_BODY_BYTES else None
    chunks, size = [body], len(body)
    while message.get("more_body", False):
        message = await receive()
        if message["type"] == "http.disconnect":
            return _DISCONNECTED
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > MAX_BODY_BYTES:
            return None
    return b"".join(chunks)


async def _respond(send: Send, status: int, headers: RawHeaders, body: bytes) -> None:
    if status >= 200 and status not in _NO_BODY:
        headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _url(scope: Scope, headers: dict[str, str], query: bytes) -> str:
    host = headers.get("host")
    if host is None:
        server_host, server_port = scope.get("server") or ("localhost", None)
        host = server_host if server_port is None else f"{server_host}:{server_port}"
    raw_path = scope.get("raw_path")
    path = raw_path.decode("latin-1") if raw_path else quote(scope["path"])
    url = f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}{path}"
    return f"{url}?{query.decode('latin-1')}" if query else url


def _query_params(query: bytes) -> dict[str, str]:
    """Repeated parameters joined with commas, as the Functions host does."""
    params: dict[str, str] = {}
    for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        seen = params.get(key)
        params[key] = value if seen is None else f"{seen},{value}"
    return params


def _log_ignored_auth_levels(specs: list[FunctionSpec]) -> None:
    keyed = sorted(s.name for s in specs if s.kind == "http" and s.auth_level != "anonymous")
    if keyed:
        logger.info(
            "function keys are not checked by the local host (auth level ignored on %d: %s)",
            len(keyed),
            ", ".join(keyed),
        )
