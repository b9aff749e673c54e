"""Load from wrk, a separate process: one scenario (a route, its bodies, the status expected)
per run, read back from the line bench/scenario.lua prints."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

SCRIPT = Path(__file__).resolve().parent / "scenario.lua"
MARKER = "BENCH "


@dataclass(frozen=True)
class Scenario:
    name: str
    note: str
    path: str
    method: Literal["GET", "POST"]
    expected: int
    bodies: tuple[str, ...] = ()
    """JSON request bodies, rotated through (or each sent once when `once`)."""
    once: bool = False


@dataclass(frozen=True)
class Load:
    connections: int
    threads: int
    seconds: float
    """The duration; a `once` scenario stops earlier when every body was sent."""


def wrk_path() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("wrk is not installed: `make bench` installs it (apt-get install wrk)")
    return found


def run(base_url: str, scenario: Scenario, load: Load) -> dict[str, Any]:
    """Run wrk for one scenario; its figures (requests, expected, unexpected by status, socket
    errors, latency in microseconds, req/s)."""
    with tempfile.TemporaryDirectory(prefix="mosaic-wrk-") as directory:
        args = ["once" if scenario.once else "cycle", scenario.method, str(scenario.expected)]
        args.append(str(load.threads))
        if scenario.bodies:
            bodies = Path(directory) / "bodies.jsonl"
            bodies.write_text("\n".join(scenario.bodies) + "\n", encoding="utf-8")
            args.append(str(bodies))
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
