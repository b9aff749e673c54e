"""A local stand-in for Azure AI Search: the REST requests SearchClient and SearchIndexClient
send, served in process on a free loopback port.

Every request is checked as the service checks it: `api-version` among the GA versions, the
`api-key` header (401 without, 403 when wrong; no bearer tokens: the SDK sends none over http),
an `Accept` the service can answer, `Content-Type: application/json` on a body, only the query
parameters the operation takes, a body of at most 16 MB, and then the operation's own checks
(see indexes.py and queries.py). Errors answer `{"error": {"code", "message"}}`.

Routes: PUT/GET/DELETE `/indexes('<name>')`, POST `/indexes('<name>')/docs/search.index`,
POST `/indexes('<name>')/docs/search.post.search`, GET `/indexes('<name>')/docs/$count`,
GET `/indexes('<name>')/docs('<key>')`.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.search_standin import queries
from tests.search_standin.definitions import check_update, parse_definition
from tests.search_standin.documents import Index
from tests.search_standin.errors import BadRequest, NotFound, ServiceError

API_VERSIONS = {"2023-11-01", "2024-07-01", "2025-09-01", "2026-04-01"}
MAX_BODY = 16 * 1024 * 1024
_PATH = re.compile(r"^/indexes\('(?P<index>[^']*)'\)(?P<rest>/.*)?$")
_DOCUMENT = re.compile(r"^/docs\('(?P<key>[^']*)'\)$")
_JSON = "application/json; odata.metadata=none; odata.streaming=true; charset=utf-8"


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any


@dataclass
class Answer:
    status: int
    body: Any
    content_type: str = _JSON


class Service:
    """The indexes and what tests may look at: the requests received, and failures to answer
    for the next documents indexed (the per-document 503 of a busy service)."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.indexes: dict[str, Index] = {}
        self.requests: list[Recorded] = []
        self.refusals: deque[tuple[int, str]] = deque()
        self.lock = threading.Lock()

    def handle(self, method: str, target: str, headers: Mapping[str, str], raw: bytes) -> Answer:
        """`headers` by lower-case name."""
        split = urlsplit(target)
        path, query = unquote(split.path), parse_qs(split.query, keep_blank_values=True)
        body = _json_body(headers, raw) if raw else None
        with self.lock:
            self.requests.append(Recorded(method, path, query, body))
            self._check_key(headers)
            match = _PATH.match(path)
            if match is None:
                raise NotFound(f"No resource at {path}")
            operation, allowed = self._route(method, match.group("rest") or "")
            _check_query(query, allowed)
            _check_accept(headers.get("accept"), text=path.endswith("/$count"))
            return operation(match.group("index"), body)

    def _check_key(self, headers: Mapping[str, str]) -> None:
        given = headers.get("api-key")
        if given is None:
            raise ServiceError(
                "An api-key header is required (the stand-in takes no tokens).", 401, "Unauthorized"
            )
        if not secrets.compare_digest(given, self.key):
            raise ServiceError("The api-key is not valid for this service.", 403, "Forbidden")

    def _route(self, method: str, rest: str) -> tuple[Callable[[str, Any], Answer], set[str]]:
        if rest == "":
            routes = {
                "PUT": (self.put_index, {"allowIndexDowntime"}),
                "GET": (self.get_index, set()),
                "DELETE": (self.delete_index, set()),
            }
        elif rest == "/docs/search.index":
            routes = {"POST": (self.index_documents, set())}
        elif rest == "/docs/search.post.search":
            routes = {"POST": (self.search, set())}
        elif rest == "/docs/$count":
            routes = {"GET": (self.count, set())}
        elif (document := _DOCUMENT.match(rest)) is not None:
            key = document.group("key")
            routes = {"GET": (lambda name, body: self.get_document(name, key), {"$select"})}
        else:
            raise NotFound(f"No resource at {rest}")
        if method not in routes:
            raise ServiceError(f"{method} is not supported here.", 405, "MethodNotAllowed")
        return routes[method]

    def _index(self, name: str) -> Index:
        if name not in self.indexes:
            raise NotFound(f"The index '{name}' for service 'standin' was not found.")
        return self.indexes[name]

    def put_index(self, name: str, body: Any) -> Answer:
        fields = parse_definition(name, body)
        existing = self.indexes.get(name)
        if existing is None:
            self.indexes[name] = Index(name, fields)
            return Answer(201, self.indexes[name].definition())
        check_update(existing.fields, fields)
        existing.fields = fields
        existing.etag += 1
        return Answer(200, existing.definition())

    def get_index(self, name: str, body: Any) -> Answer:
        return Answer(200, self._index(name).definition())

    def delete_index(self, name: str, body: Any) -> Answer:
        self._index(name)
        del self.indexes[name]
        return Answer(204, None)

    def index_documents(self, name: str, body: Any) -> Answer:
        results = self._index(name).apply(body, self._next_refusal)
        failed = any(not result["status"] for result in results)
        return Answer(207 if failed else 200, {"value": results})

    def _next_refusal(self) -> tuple[int, str] | None:
        return self.refusals.popleft() if self.refusals else None

    def search(self, name: str, body: Any) -> Answer:
        return Answer(200, queries.search(self._index(name), body))

    def count(self, name: str, body: Any) -> Answer:
        return Answer(200, str(len(self._index(name).documents)), "text/plain; charset=utf-8")

    def get_document(self, name: str, key: str) -> Answer:
        index = self._index(name)
        if key not in index.documents:
            raise NotFound("Document not found.")
        document = index.documents[key]
        return Answer(
            200,
            {field: document[field] for field, found in index.fields.items() if found.retrievable},
        )


def _json_body(headers: Mapping[str, str], raw: bytes) -> Any:
    if len(raw) > MAX_BODY:
        raise ServiceError("The request is larger than 16 MB.", 413, "RequestEntityTooLarge")
    media = (headers.get("content-type") or "").split(";")[0].strip().lower()
    if media != "application/json":
        raise ServiceError(
            f"Content-Type must be application/json, not {media!r}.", 415, "UnsupportedMediaType"
        )
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadRequest(f"The request body is not valid JSON: {error}") from error


def _check_query(query: Mapping[str, list[str]], allowed: set[str]) -> None:
    versions = query.get("api-version", [])
    if len(versions) != 1 or versions[0] not in API_VERSIONS:
        raise BadRequest(
            "Invalid or missing api-version query string parameter; "
            f"served: {', '.join(sorted(API_VERSIONS))}."
        )
    for name in query:
        if name != "api-version" and name not in allowed:
            raise BadRequest(f"The query parameter '{name}' is not valid for this operation.")


def _check_accept(accept: str | None, *, text: bool) -> None:
    if accept is None:
        return
    for offered in accept.split(","):
        media, *parameters = (part.strip().lower() for part in offered.split(";"))
        metadata = [p for p in parameters if p.startswith("odata.metadata=")]
        if media in ("*/*", "application/*") or (text and media == "text/plain"):
            return
        if media == "application/json" and all(
            p.split("=", 1)[1] in ("none", "minimal", "full") for p in metadata
        ):
            return
    raise ServiceError(f"The service cannot answer Accept: {accept}", 406, "NotAcceptable")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave in two writes: no 40 ms waits
    service: Service

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            headers = {name.lower(): value for name, value in self.headers.items()}
            answer = self.service.handle(self.command, self.path, headers, raw)
        except ServiceError as error:
            answer = Answer(error.status, error.body())
        if answer.body is None:
            payload = b""
        elif isinstance(answer.body, str):
            payload = answer.body.encode()
        else:
            payload = json.dumps(answer.body).encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class SearchStandIn:
    """Started by the session (`servers.search()`); tests reach `endpoint`, `key`,
    `requests` and `refuse_next_documents`."""

    def __init__(self) -> None:
        self.key = secrets.token_hex(16)
        self.service = Service(self.key)
        handler = type("Handler", (_Handler,), {"service": self.service})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> list[Recorded]:
        return self.service.requests

    def refuse_next_documents(self, count: int, status_code: int, message: str) -> None:
        with self.service.lock:
            self.service.refusals.extend([(status_code, message)] * count)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
