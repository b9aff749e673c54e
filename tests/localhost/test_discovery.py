"""Which functions the local host finds on an app, and how it reads host.json."""

from __future__ import annotations

import json
from pathlib import Path

import azure.functions as func
import pytest

from mosaic.localhost import (
    ALL_METHODS,
    FunctionSpec,
    HostConfig,
    load_host_config,
    registered_functions,
)
from mosaic.localhost.routes import Router


def _app() -> func.FunctionApp:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.route(route="mobile/login", methods=["post"])
    def mobile_login(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("")

    @app.function_name("open_door")
    @app.route(route="doors/{id:int}")
    def any_method(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("")

    @app.timer_trigger(schedule="0 */5 * * * *", arg_name="timer", run_on_startup=True)
    def sor_health(timer: func.TimerRequest) -> None:
        pass

    @app.queue_trigger(arg_name="msg", queue_name="membership-refresh", connection="Storage")
    def refresh(msg: func.QueueMessage) -> None:
        pass

    return app


def test_registered_functions_can_be_asked_twice_and_give_the_same_list() -> None:
    app = _app()

    first = registered_functions(app)
    second = registered_functions(app)

    assert first is second
    assert [spec.name for spec in first] == ["mobile_login", "open_door", "sor_health", "refresh"]


def test_an_app_already_indexed_elsewhere_is_still_readable() -> None:
    app = _app()
    app.get_functions()  # what the Azure Functions worker does at start
    indexed = app.functions_bindings

    assert len(registered_functions(app)) == 4
    assert app.functions_bindings is indexed, "the worker's record is left as it was"


def test_specs_carry_what_each_trigger_needs() -> None:
    login, door, timer, queue = registered_functions(_app())

    assert (login.kind, login.route, login.methods, login.arg_name) == (
        "http",
        "mobile/login",
        ("POST",),
        "req",
    )
    assert (door.route, door.methods, door.auth_level) == (
        "doors/{id:int}",
        ALL_METHODS,
        "anonymous",
    )
    assert (timer.kind, timer.schedule, timer.run_on_startup) == ("timer", "0 */5 * * * *", True)
    assert (queue.kind, queue.queue_name, queue.arg_name) == ("queue", "membership-refresh", "msg")
    assert callable(queue.function)


def _router(route: str, prefix: str = "api") -> Router:
    spec = FunctionSpec(
        name="f", kind="http", function=print, arg_name="req", route=route, methods=("GET",)
    )
    return Router([spec], prefix)


@pytest.mark.parametrize(
    ("route", "path", "params"),
    [
        ("items/{id}", "/api/items/42", {"id": "42"}),
        ("items/{id}", "/api/items/42/", {"id": "42"}),
        ("counts/{n:int}", "/api/counts/-7", {"n": "-7"}),
        ("greet/{name?}", "/api/greet/ada", {"name": "ada"}),
        ("greet/{name?}", "/api/greet", {}),
        ("files/{*rest}", "/api/files/a/b.txt", {"rest": "a/b.txt"}),
        ("files/{name}.{ext}", "/api/files/report.pdf", {"name": "report", "ext": "pdf"}),
        ("Mobile/Login", "/API/mobile/LOGIN", {}),
        ("items/{id}", "/api/ITEMS/AbC", {"id": "AbC"}),
    ],
)
def test_azure_route_templates_match_paths_case_insensitively(
    route: str, path: str, params: dict[str, str]
) -> None:
    found = _router(route).match("GET", path)

    assert isinstance(found, tuple)
    assert (found[0].route, found[1]) == (route, params)


@pytest.mark.parametrize(
    ("route", "path"),
    [("counts/{n:int}", "/api/counts/seven"), ("items/{id}", "/api/items"), ("a/b", "/a/b")],
)
def test_paths_outside_a_template_find_no_function(route: str, path: str) -> None:
    assert _router(route).match("GET", path) == frozenset()


def test_a_known_path_with_another_method_names_the_methods_allowed() -> None:
    assert _router("items/{id}").match("POST", "/api/items/1") == frozenset({"GET", "HEAD"})


def test_an_empty_route_prefix_serves_at_the_root() -> None:
    found = _router("items/{id}", prefix="").match("GET", "/items/1")

    assert isinstance(found, tuple)
    assert found[1] == {"id": "1"}


def test_host_json_defaults_match_the_functions_host_with_a_short_local_poll() -> None:
    assert load_host_config({}) == HostConfig(
        route_prefix="api",
        batch_size=16,
        max_dequeue_count=5,
        visibility_timeout=0.0,
        max_polling_interval=2.0,
        function_timeout=300.0,
    )


def test_host_json_queue_settings_and_timespans_are_read(tmp_path: Path) -> None:
    host_json = tmp_path / "host.json"
    host_json.write_text(
        json.dumps(
            {
                "version": "2.0",
                "functionTimeout": "00:10:00",
                "extensions": {
                    "http": {"routePrefix": ""},
                    "queues": {
                        "batchSize": 8,
                        "maxDequeueCount": 3,
                        "visibilityTimeout": "00:00:30",
                        "MaxPollingInterval": "00:01:00.5",
                    },
                },
            }
        )
    )

    assert load_host_config(host_json) == HostConfig(
        route_prefix="",
        batch_size=8,
        max_dequeue_count=3,
        visibility_timeout=30.0,
        max_polling_interval=60.5,
        function_timeout=600.0,
    )


def test_a_function_timeout_of_minus_one_is_no_limit() -> None:
    assert load_host_config({"functionTimeout": "-1"}).function_timeout is None
    assert load_host_config({"functionTimeout": -1}).function_timeout is None


def test_host_json_refuses_a_batch_size_the_functions_host_refuses() -> None:
    with pytest.raises(ValueError, match="batchSize"):
        load_host_config({"extensions": {"queues": {"batchSize": 64}}})
