"""The real local host as a subprocess (`python -m mosaic serve`) on a free loopback port:
started, waited for, measured (CPU time, peak RSS, warnings in its log) and stopped."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 60.0
STOP_SECONDS = 15.0
_LEVEL = re.compile(r"^\S+ \S+ (WARNING|ERROR|CRITICAL) ")
KEEP_WARNINGS = 5


@dataclass(frozen=True)
class Options:
    """How the host runs: its processes (`serve --processes`) and worker threads in each
    (`--threads`; None: the host's default)."""

    processes: int = 1
    threads: int | None = None

    def arguments(self) -> list[str]:
        threads = [] if self.threads is None else ["--threads", str(self.threads)]
        return ["--processes", str(self.processes), *threads]

    def describe(self) -> str:
        threads = "default" if self.threads is None else str(self.threads)
        return f"{self.processes} process(es), {threads} worker thread(s) each"


class HostProcess:
    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.process, self.port, self.log = process, port, log

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pids(self) -> list[int]:
        """The host's processes: the one started and those it started (Linux /proc)."""
        return [self.process.pid, *children(self.process.pid)]

    def cpu_seconds(self) -> float:
        """User + system CPU time the host's processes have used so far (Linux /proc); a
        process that ended meanwhile no longer counts."""
        return sum(_cpu_seconds(pid) for pid in self.pids())

    def peak_rss_mib(self) -> float:
        """The sum of the host's processes' peak resident set sizes so far (VmHWM)."""
        return round(sum(_peak_rss_mib(pid) for pid in self.pids()), 1)

    def warnings(self) -> dict[str, object]:
        """Warnings and errors in the host's log: counts by level, and the first few lines."""
        counts: Counter[str] = Counter()
        first: list[str] = []
        for line in self.log.read_text(encoding="utf-8", errors="replace").splitlines():
            match = _LEVEL.match(line)
            if match:
                counts[match[1]] += 1
                if len(first) < KEEP_WARNINGS:
                    first.append(line)
        return {"counts": dict(counts), "first": first}


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_rss_mib(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def serving(data_dir: Path, options: Options | None = None) -> Iterator[HostProcess]:
    """`python -m mosaic serve --no-timers` on a free port, with this process's environment
    (bench/data.py points it at the data dir) and `options`; its output goes to
    `data_dir/host.log`."""
    port = _free_port()
    log = data_dir / "host.log"
    command = [sys.executable, "-m", "mosaic", "serve", "--port", str(port), "--no-timers"]
    command += (options or Options()).arguments()
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
    host = HostProcess(process, port, log)
    try:
        _wait_until_answering(host)
        yield host
    finally:
        _stop(process)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_answering(host: HostProcess) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if host.process.poll() is not None:
            raise RuntimeError(f"the host exited ({host.process.returncode}); see {host.log}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", host.port, timeout=5)
            connection.request("GET", "/api/openapi.json")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
        finally:
            connection.close()
    raise RuntimeError(f"the host did not answer within {START_SECONDS:.0f} s; see {host.log}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGINT, as Ctrl+C: uvicorn shuts down gracefully; killed if it does not."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        process.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
