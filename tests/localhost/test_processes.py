"""Several host processes on one port (`serve --processes`): the others serve HTTP on the
first one's socket, run no timers or queue pollers, and stop with it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import azure.functions as func
import httpx
import pytest

from mosaic.localhost import server
from mosaic.localhost.processes import (
    PROCESS_COUNT_SETTING,
    HttpOnly,
    http_processes,
    process_count,
)
from mosaic.localhost.workers import THREAD_COUNT_SETTING, WORKER_THREADS, thread_count

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="several host processes share a socket by fd on POSIX only"
)


def test_counts_come_from_the_app_settings_within_the_function_hosts_limits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(PROCESS_COUNT_SETTING, raising=False)
    monkeypatch.delenv(THREAD_COUNT_SETTING, raising=False)
    assert (process_count(), thread_count()) == (1, WORKER_THREADS)
    monkeypatch.setenv(PROCESS_COUNT_SETTING, "3")
    monkeypatch.setenv(THREAD_COUNT_SETTING, "2")
    assert (process_count(), thread_count()) == (3, 2)
    assert (process_count("4"), thread_count("1")) == (4, 1)
    for wrong in ("0", "11", "two"):
        with pytest.raises(ValueError, match=f"{PROCESS_COUNT_SETTING} must be 1 to 10"):
            process_count(wrong)
    with pytest.raises(ValueError, match=f"{THREAD_COUNT_SETTING} must be 1 to 32, not '33'"):
        thread_count("33")


def test_a_process_on_an_inherited_socket_runs_no_timers_nor_queue_pollers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: dict[str, Any] = {}
    served: list[socket.socket] = []

    class Server:
        def run(self, sockets: list[socket.socket]) -> None:
            served.extend(sockets)

    def build_asgi_app(app: func.FunctionApp, **options: Any) -> object:
        built.update(options)
        return object()

    monkeypatch.setattr(server, "build_asgi_app", build_asgi_app)
    monkeypatch.setattr(server, "build_server", lambda asgi, **_: Server())
    monkeypatch.setattr(server, "exit_with_parent", lambda told: None)
    with socket.socket() as listening:
        told = HttpOnly(listening.fileno(), os.getppid())
        server.serve(func.FunctionApp(), queue=None, host_json=None, http_only=told)
        assert [sock.fileno() for sock in served] == [listening.fileno()]
    assert (built["timers"], built["queues"]) == (False, False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(tmp_path: Path, port: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOSAIC_")}
    command = [sys.executable, "-m", "mosaic", "serve", "--port", str(port), "--no-timers"]
    return subprocess.Popen(
        [*command, "--processes", "2", "--threads", "1"],
        cwd=ROOT,
        env=env | {"MOSAIC_DATA_DIR": str(tmp_path / "data")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def _answers(port: int, seconds: float = 20) -> int:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/api/openapi.json", timeout=5).status_code
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the host did not answer"
            time.sleep(0.1)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


def _gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.1)
    return False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the host's processes in /proc")
def test_the_second_process_serves_while_the_first_is_stopped_and_stops_with_it(
    tmp_path: Path,
) -> None:
    port = _free_port()
    host = _serve(tmp_path, port)
    watchdog = threading.Timer(60, host.kill)  # a silent hang must not block the suite
    watchdog.start()
    try:
        assert _answers(port) == 200
        [other] = _children(host.pid)
        host.send_signal(signal.SIGSTOP)  # the first cannot accept: only the other can answer
        try:
            assert _answers(port, seconds=10) == 200
        finally:
            host.send_signal(signal.SIGCONT)
        host.send_signal(signal.SIGTERM)
        assert host.wait(20) == 128 + signal.SIGTERM  # after stopping the other
        assert _gone(other, 1)
    finally:
        watchdog.cancel()
        host.kill()


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the host's processes in /proc")
def test_the_other_process_stops_by_itself_when_the_first_is_killed(tmp_path: Path) -> None:
    port = _free_port()
    host = _serve(tmp_path, port)
    try:
        assert _answers(port) == 200
        [other] = _children(host.pid)
        host.kill()
        host.wait(10)
        assert _gone(other, 10), "the other host process outlived the first"
    finally:
        host.kill()


def test_a_process_that_ends_before_the_host_stops_it_is_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    crashing = [sys.executable, "-c", "import sys; sys.exit(3)"]
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen()
    with caplog.at_level("ERROR", logger="mosaic.host"), http_processes(crashing, listening, 1):
        deadline = time.monotonic() + 10
        while "ended with code 3" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.05)
    listening.close()

    assert "ended with code 3; the others serve on" in caplog.text


def test_several_processes_are_refused_on_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "win32")

    with pytest.raises(ValueError, match="one process on Windows, not 2"):
        process_count("2")
    assert process_count("1") == 1
