"""Load from wrk, a separate process: one scenario (a route, its requests, the status
expected) per run, read back from the line bench/scenario.lua prints. wrk is Debian's package,
installed with apt-get when it is missing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

SCRIPT = Path(__file__).resolve().parent / "scenario.lua"
MARKER = "BENCH "


@dataclass(frozen=True)
class Request:
    """A request with headers of its own and, when `body` is not empty, a JSON body."""

    headers: tuple[tuple[str, str], ...]
    body: str = ""


@dataclass(frozen=True)
class Scenario:
    name: str
    note: str
    path: str
    method: Literal["GET", "POST"]
    expected: int
    lines: tuple[str, ...] = ()
    """One a request, rotated through (or each sent once when `once`): its JSON body, or the
    value of `header` when the scenario names one (then no body)."""
    once: bool = False
    header: str = ""
    """The header each line is the value of, e.g. `Authorization` for `Bearer <token>`."""
    requests: tuple[Request, ...] = ()
    """Requests with headers of their own, used as `lines` are (give one or the other)."""

    def wire_lines(self) -> list[str]:
        """The requests as bench/scenario.lua reads them, one a line: tab-separated
        `Name: value` headers, then the body (empty for none)."""
        if self.requests and self.lines:
            raise ValueError(f"scenario {self.name!r}: give lines or requests, not both")
        if self.header:
            return [_wire(((self.header, line),), "") for line in self.lines]
        if self.lines:
            return [_wire((), line) for line in self.lines]
        return [_wire(request.headers, request.body) for request in self.requests]


JSON_TYPE = ("Content-Type", "application/json")
_SEPARATORS = frozenset("\t\r\n")


def _wire(headers: tuple[tuple[str, str], ...], body: str) -> str:
    fields = [f"{name}: {value}" for name, value in (*headers, *((JSON_TYPE,) if body else ()))]
    fields.append(body)
    for field_ in fields:
        if _SEPARATORS & set(field_):
            raise ValueError(f"a request's header or body holds a tab or line break: {field_!r}")
    return "\t".join(fields)


@dataclass(frozen=True)
class Load:
    connections: int
    threads: int
    seconds: float
    """The duration; a `once` scenario stops earlier when every body was sent."""


def _shown(command: list[str]) -> tuple[int, str]:
    """Run `command`, its output shown as it comes (on stderr) and kept: (exit status, output)."""
    print(f"$ {' '.join(command)}", file=sys.stderr, flush=True)
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        output = []
        for line in process.stdout or ():
            print(f"  {line}", end="", file=sys.stderr, flush=True)
            output.append(line)
    return process.returncode, "".join(output)


@dataclass(frozen=True)
class System:
    """What wrk_path looks at and runs: this machine's, or a test's."""

    which: Callable[[str], str | None] = shutil.which
    run: Callable[[list[str]], tuple[int, str]] = _shown
    root: bool = field(default_factory=lambda: os.geteuid() == 0)


STALE_LISTS = ("Unable to locate package", "has no installation candidate", "apt-get update")
"""What apt-get says when its package lists are missing or out of date."""


def wrk_path(system: System | None = None) -> str:
    """wrk's path; when it is not on PATH, `apt-get install -y wrk` first (through sudo when
    not root and sudo exists), after an `apt-get update` when the package lists lack it."""
    system = system or System()
    found = system.which("wrk")
    if found is not None:
        return found
    print("wrk, the load generator, is not on PATH: installing it", file=sys.stderr)
    as_root = ["sudo"] if not system.root and system.which("sudo") else []
    apt_get = [*as_root, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]
    status, output = system.run([*apt_get, "install", "-y", "wrk"])
    if status != 0 and any(words in output for words in STALE_LISTS):
        status, output = system.run([*apt_get, "update"])
        if status == 0:
            status, output = system.run([*apt_get, "install", "-y", "wrk"])
    found = system.which("wrk")
    if found is None:
        last = output.strip().splitlines()[-1:] or ["(no output)"]
        raise RuntimeError(
            f"wrk is missing and apt-get could not install it ({last[0]}): install Debian's "
            "wrk package (as root: apt-get install wrk), or put a wrk on PATH"
        )
    return found


def run(base_url: str, scenario: Scenario, load: Load) -> dict[str, Any]:
    """Run wrk for one scenario; its figures (requests, expected, unexpected by status, socket
    errors, latency in microseconds, req/s)."""
    with tempfile.TemporaryDirectory(prefix="mosaic-wrk-") as directory:
        args = ["once" if scenario.once else "cycle", scenario.method, str(scenario.expected)]
        args.append(str(load.threads))
        wire = scenario.wire_lines()
        if wire:
            lines = Path(directory) / "requests.txt"
            lines.write_text("\n".join(wire) + "\n", encoding="utf-8")
            args.append(str(lines))
        command = [
            wrk_path(),
            f"--connections={load.connections}",
            f"--threads={load.threads}",
            f"--duration={max(1, round(load.seconds))}s",
            "--timeout=10s",
            f"--script={SCRIPT}",
            base_url + scenario.path,
            "--",
            *args,
        ]
        finished = subprocess.run(
            command, capture_output=True, text=True, timeout=load.seconds + 60, check=False
        )
    figures = marked_figures(finished.stdout)
    if finished.returncode != 0 or figures is None:
        raise RuntimeError(f"wrk failed ({finished.returncode}): {finished.stderr.strip()}")
    seconds = figures["durationUs"] / 1e6
    figures["reqPerSecond"] = round(figures["requests"] / seconds, 1) if seconds else None
    figures["errors"] = (
        figures["requests"] - figures["expected"] + sum(figures["socketErrors"].values())
    )
    return figures


def marked_figures(stdout: str) -> dict[str, Any] | None:
    """The JSON object of the line starting with MARKER (wrk's script and bench/work.py
    print one)."""
    for line in stdout.splitlines():
        if line.startswith(MARKER):
            figures: dict[str, Any] = json.loads(line[len(MARKER) :])
            return figures
    return None
