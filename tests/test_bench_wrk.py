"""bench/wrk.py: wrk installed when missing (on a pretend machine: nothing is uninstalled),
and bench/scenario.lua's requests as a small recording server receives them from the real wrk."""

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import wrk

APT_GET = ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]
INSTALL = [*APT_GET, "install", "-y", "wrk"]
NO_LISTS = "E: Unable to locate package wrk\n"


@dataclass
class Machine:
    """A machine without wrk whose apt-get answers as told; installing (status 0) puts wrk
    on PATH unless `installs` is False."""

    root: bool = True
    sudo: bool = False
    answers: list[tuple[int, str]] = field(default_factory=list)
    installs: bool = True
    commands: list[list[str]] = field(default_factory=list)
    installed: bool = False

    def which(self, name: str) -> str | None:
        present = {"wrk": self.installed, "sudo": self.sudo}.get(name, False)
        return f"/usr/bin/{name}" if present else None

    def run(self, command: list[str]) -> tuple[int, str]:
        self.commands.append(command)
        status, output = self.answers.pop(0) if self.answers else (0, "")
        if status == 0 and "install" in command:
            self.installed = self.installs
        return status, output

    def system(self) -> wrk.System:
        return wrk.System(which=self.which, run=self.run, root=self.root)


def test_wrk_on_path_is_used_and_nothing_is_installed() -> None:
    machine = Machine(installed=True)

    assert wrk.wrk_path(machine.system()) == "/usr/bin/wrk"
    assert machine.commands == []


def test_missing_wrk_is_installed_by_root_with_apt_get_non_interactively() -> None:
    machine = Machine()

    assert wrk.wrk_path(machine.system()) == "/usr/bin/wrk"
    assert machine.commands == [INSTALL]


def test_a_user_installs_through_sudo_when_there_is_one() -> None:
    machine = Machine(root=False, sudo=True)

    wrk.wrk_path(machine.system())

    assert machine.commands == [["sudo", *INSTALL]]


def test_a_user_without_sudo_runs_apt_get_and_hears_why_it_failed() -> None:
    denied = "E: Could not open lock file /var/lib/dpkg/lock - open (13: Permission denied)"
    machine = Machine(root=False, answers=[(100, denied)])

    with pytest.raises(RuntimeError, match=r"could not install it \(E: Could not open lock"):
        wrk.wrk_path(machine.system())
    assert machine.commands == [INSTALL]


def test_missing_package_lists_are_updated_before_installing_again() -> None:
    machine = Machine(root=False, sudo=True, answers=[(100, NO_LISTS), (0, ""), (0, "")])

    assert wrk.wrk_path(machine.system()) == "/usr/bin/wrk"
    assert machine.commands == [
        ["sudo", *INSTALL],
        ["sudo", *APT_GET, "update"],
        ["sudo", *INSTALL],
    ]


def test_wrk_still_missing_after_installing_is_a_clear_error() -> None:
    machine = Machine(answers=[(100, NO_LISTS), (0, ""), (100, NO_LISTS)])

    with pytest.raises(RuntimeError, match="install Debian's wrk package"):
        wrk.wrk_path(machine.system())
    assert len(machine.commands) == 3


def test_a_successful_install_that_leaves_no_wrk_on_path_is_an_error() -> None:
    machine = Machine(installs=False)

    with pytest.raises(RuntimeError, match="wrk is missing"):
        wrk.wrk_path(machine.system())


def test_an_install_command_is_shown_with_its_output_and_its_output_kept(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, output = wrk.System().run(["sh", "-c", "echo fetched; echo refused >&2; exit 100"])

    assert (status, output) == (100, "fetched\nrefused\n")
    assert capsys.readouterr().err == (
        "$ sh -c echo fetched; echo refused >&2; exit 100\n  fetched\n  refused\n"
    )


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    authorization: str | None
    content_type: str | None
    body: str
    agent_key: str | None = None
    idempotency_key: str | None = None


class Recorder(BaseHTTPRequestHandler):
    """Keeps every request; answers 200, or 401 for the bearer token `Bearer unknown`."""

    protocol_version = "HTTP/1.1"
    received: list[Received]

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        authorization = self.headers.get("Authorization")
        content_type = self.headers.get("Content-Type")
        agent_key, key = self.headers.get("X-Agent-Key"), self.headers.get("Idempotency-Key")
        self.received.append(
            Received(self.command, self.path, authorization, content_type, body, agent_key, key)
        )
        self.send_response(401 if authorization == "Bearer unknown" else 200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[Received]]]:
    received: list[Received] = []
    handler = type("Handler", (Recorder,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


def test_each_get_of_a_connection_sends_the_next_lines_header_value(
    recorder: tuple[str, list[Received]],
) -> None:
    base_url, received = recorder
    tokens = ("Bearer a", "Bearer b", "Bearer unknown", "Bearer c")
    scenario = wrk.Scenario("vouchers", "", "/v", "GET", 200, tokens, header="Authorization")

    figures = wrk.run(base_url, scenario, wrk.Load(connections=1, threads=1, seconds=1))

    sent = [r.authorization for r in received]
    assert len(sent) >= 8
    # wrk asks for one request before the run to check it, so the rotation may start later on.
    start = tokens.index(str(sent[0]))
    assert sent == [tokens[(start + i) % len(tokens)] for i in range(len(sent))]
    assert {(r.method, r.path, r.content_type, r.body) for r in received} == {
        ("GET", "/v", None, "")
    }
    # One connection: wrk counts the answers to the first requests sent; the last may be in
    # flight when its duration ends.
    answered = sent[: figures["requests"]]
    assert len(sent) - len(answered) <= 1
    assert figures["unexpected"] == {"401": answered.count("Bearer unknown")}
    assert figures["expected"] == len(answered) - answered.count("Bearer unknown")


def test_once_posts_each_body_once_across_threads_and_stops_early(
    recorder: tuple[str, list[Received]],
) -> None:
    base_url, received = recorder
    bodies = tuple(f'{{"n": {n}}}' for n in range(40))
    scenario = wrk.Scenario("logins", "", "/login", "POST", 200, bodies, once=True)
    started = time.monotonic()

    figures = wrk.run(base_url, scenario, wrk.Load(connections=2, threads=2, seconds=30))

    assert time.monotonic() - started < 15
    assert sorted(r.body for r in received) == sorted(bodies)
    assert {(r.method, r.content_type, r.authorization) for r in received} == {
        ("POST", "application/json", None)
    }
    assert (figures["requests"], figures["expected"], figures["errors"]) == (40, 40, 0)


def test_each_request_of_its_own_sends_its_headers_and_its_json_body_once(
    recorder: tuple[str, list[Received]],
) -> None:
    base_url, received = recorder
    requests = tuple(
        wrk.Request(
            headers=(("X-Agent-Key", f"agt_{n % 3}"), ("Idempotency-Key", f"k-{n}")),
            body=f'{{"voucherCode": "{n:05d}"}}',
        )
        for n in range(30)
    )
    scenario = wrk.Scenario("redeem", "", "/r", "POST", 200, requests=requests, once=True)

    figures = wrk.run(base_url, scenario, wrk.Load(connections=2, threads=1, seconds=30))

    sent = {(r.idempotency_key, r.agent_key, r.body, r.content_type) for r in received}
    assert sent == {
        (f"k-{n}", f"agt_{n % 3}", f'{{"voucherCode": "{n:05d}"}}', "application/json")
        for n in range(30)
    }
    assert (figures["requests"], figures["errors"]) == (30, 0)


def test_a_request_whose_header_or_body_would_break_its_line_is_refused() -> None:
    tabbed = wrk.Request(headers=(("X-Agent-Key", "agt\t1"),), body="{}")
    with pytest.raises(ValueError, match="tab or line break"):
        wrk.Scenario("x", "", "/r", "POST", 200, requests=(tabbed,)).wire_lines()
    both = wrk.Scenario("x", "", "/r", "POST", 200, ("{}",), requests=(wrk.Request(()),))
    with pytest.raises(ValueError, match="lines or requests, not both"):
        both.wire_lines()
