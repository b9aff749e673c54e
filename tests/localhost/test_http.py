"""The local host serves HTTP functions through a real uvicorn server."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator

import azure.functions as func
import httpx
import pytest

from mosaic.localhost import build_asgi_app, http, serving_in_thread
from mosaic.localhost.invoke import invocations

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)


def _json(data: object, status: int = 200) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(data), status_code=status, mimetype="application/json")


@app.route(route="items/{id}", methods=["GET"])
def get_item(req: func.HttpRequest) -> func.HttpResponse:
    return _json(
        {
            "method": req.method,
            "routeParams": dict(req.route_params),
            "params": dict(req.params),
            "trace": req.headers.get("x-trace"),
            "forwardedFor": req.headers.get("x-forwarded-for"),
            "url": req.url,
        }
    )


@app.route(route="items/{id}", methods=["DELETE"])
def delete_item(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(status_code=204)


@app.route(route="items", methods=["POST"])
def create_item(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(req.get_body(), status_code=201, mimetype="application/octet-stream")


@app.route(route="counts/{n:int}", methods=["GET"])
async def count(req: func.HttpRequest) -> func.HttpResponse:
    return _json({"n": req.route_params["n"]})


@app.route(route="greet/{name?}", methods=["GET"])
def greet(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(f"hello {req.route_params.get('name', 'stranger')}")


@app.route(route="cookies", methods=["GET"])
def cookies(req: func.HttpRequest) -> func.HttpResponse:
    response = func.HttpResponse("", status_code=204)
    response.headers.add_header("Set-Cookie", "a=1")
    response.headers.add_header("Set-Cookie", "b=2")
    return response


ORDERS: list[bytes] = []


@app.route(route="orders", methods=["POST"])
def place_order(req: func.HttpRequest) -> func.HttpResponse:
    ORDERS.append(req.get_body())
    return func.HttpResponse(status_code=201)


@app.route(route="boom")
def boom(req: func.HttpRequest) -> func.HttpResponse:
    raise RuntimeError("secret internals")


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    asgi = build_asgi_app(app, queue=None, host_json={}, timers=False, queues=False)
    with serving_in_thread(asgi) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url) as http:
        yield http


def test_route_params_query_params_and_headers_reach_the_function(client: httpx.Client) -> None:
    response = client.get("/api/items/42", params={"q": "x"}, headers={"X-Trace": "t1"})

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    data = response.json()
    assert data["method"] == "GET"
    assert data["routeParams"] == {"id": "42"}
    assert data["params"] == {"q": "x"}
    assert data["trace"] == "t1"
    assert data["url"].endswith("/api/items/42?q=x")


def test_client_address_is_appended_to_forwarded_for(client: httpx.Client) -> None:
    assert client.get("/api/items/1").json()["forwardedFor"] == "127.0.0.1"
    forwarded = client.get("/api/items/1", headers={"X-Forwarded-For": "203.0.113.9"})
    assert forwarded.json()["forwardedFor"] == "203.0.113.9, 127.0.0.1"


def test_repeated_query_parameters_are_joined_with_commas(client: httpx.Client) -> None:
    response = client.get("/api/items/1", params=[("tag", "a"), ("tag", "b")])

    assert response.json()["params"] == {"tag": "a,b"}


def test_body_round_trips_byte_for_byte(client: httpx.Client) -> None:
    body = bytes(range(256)) * 4

    response = client.post("/api/items", content=body)

    assert response.status_code == 201
    assert response.content == body
    assert response.headers["content-type"] == "application/octet-stream"


def test_a_body_over_the_host_limit_is_a_413_problem(
    client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http, "MAX_BODY_BYTES", 1000)

    def chunks() -> Iterator[bytes]:
        yield b"x" * 600
        yield b"x" * 600

    assert client.post("/api/items", content=b"x" * 1000).status_code == 201
    assert client.post("/api/items", content=b"x" * 1001).status_code == 413
    response = client.post("/api/items", content=chunks())

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_post_only_route_refuses_get_with_405(client: httpx.Client) -> None:
    response = client.get("/api/items")

    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["allow"] == "POST"
    assert response.json()["status"] == 405


def test_405_allows_the_methods_of_every_function_on_the_path(client: httpx.Client) -> None:
    response = client.put("/api/items/1")

    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, HEAD"
    assert client.delete("/api/items/1").status_code == 204


def test_a_trailing_slash_reaches_the_same_function_without_a_redirect(
    client: httpx.Client,
) -> None:
    response = client.get("/api/items/5/")

    assert response.status_code == 200
    assert response.json()["routeParams"] == {"id": "5"}


def test_routes_match_case_insensitively_as_azure_does(client: httpx.Client) -> None:
    response = client.get("/API/Items/Ab1")

    assert response.status_code == 200
    assert response.json()["routeParams"] == {"id": "Ab1"}


def test_unknown_route_is_a_404_problem(client: httpx.Client) -> None:
    response = client.get("/api/nowhere")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "about:blank"
    assert problem["title"] == "Not Found"
    assert problem["status"] == 404
    assert "/api/nowhere" in problem["detail"]


def test_routes_live_under_the_route_prefix_only(client: httpx.Client) -> None:
    assert client.get("/items/1").status_code == 404


def test_an_escaping_exception_is_an_opaque_500_problem(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="mosaic.host"):
        response = client.get("/api/boom")

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Internal Server Error"
    assert "secret internals" not in response.text
    assert any(record.exc_info for record in caplog.records), "the traceback is logged"


def test_int_constraint_matches_digits_only_and_keeps_the_text(client: httpx.Client) -> None:
    assert client.get("/api/counts/007").json() == {"n": "007"}
    assert client.get("/api/counts/seven").status_code == 404


def test_optional_route_parameter_may_be_left_out(client: httpx.Client) -> None:
    assert client.get("/api/greet/ada").text == "hello ada"
    assert client.get("/api/greet").text == "hello stranger"


def test_text_responses_carry_their_charset(client: httpx.Client) -> None:
    response = client.get("/api/greet/ada")

    assert response.headers["content-type"] == "text/plain; charset=utf-8"


def test_repeated_response_headers_are_all_sent(client: httpx.Client) -> None:
    response = client.get("/api/cookies")

    assert response.status_code == 204
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]


def test_every_invocation_logs_one_debug_line(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="mosaic.host"):
        client.get("/api/items/7")
        client.get("/api/boom")

    lines = [r.getMessage() for r in caplog.records if r.name == "mosaic.host" and not r.exc_info]
    assert any(line.startswith("get_item http 200 ") and line.endswith("ms") for line in lines)
    assert any(line.startswith("boom http 500 ") for line in lines)


def test_invocations_are_summed_up_per_function_at_info(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    invocations.flush()
    with caplog.at_level(logging.INFO, logger="mosaic.host"):
        client.get("/api/items/7")
        client.get("/api/items/8")
        client.get("/api/greet")
        assert not any(r.getMessage().startswith("get_item") for r in caplog.records)
        invocations.flush()

    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert any(line.startswith("get_item http: 2 invocations (200: 2), mean ") for line in lines)
    assert any(line.startswith("greet http: 1 invocation (200: 1), mean ") for line in lines)


def test_a_function_running_past_function_timeout_is_a_500() -> None:
    slow_app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    release = threading.Event()

    @slow_app.route(route="slow", methods=["GET"])
    def slow(req: func.HttpRequest) -> func.HttpResponse:
        release.wait(10)
        return func.HttpResponse("too late")

    asgi = build_asgi_app(
        slow_app, queue=None, host_json={"functionTimeout": "00:00:00.3"}, queues=False
    )
    try:
        with serving_in_thread(asgi) as url:
            response = httpx.get(f"{url}/api/slow")
    finally:
        release.set()

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "The function ran out of time."


def test_a_client_gone_before_its_body_ended_runs_nothing() -> None:
    import asyncio

    asgi = build_asgi_app(app, queue=None, host_json={}, timers=False, queues=False)
    messages: list[dict[str, object]] = [
        {"type": "http.request", "body": b'{"amount": 100', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return messages.pop(0)

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/orders",
        "raw_path": b"/api/orders",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 7071),
        "scheme": "http",
        "http_version": "1.1",
        "root_path": "",
    }
    asyncio.run(asgi(scope, receive, send))

    assert ORDERS == []
    assert sent == []
