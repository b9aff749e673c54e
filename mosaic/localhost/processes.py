"""Several host processes on one listening socket, as the Functions host runs several Python
worker processes (FUNCTIONS_WORKER_PROCESS_COUNT): a process uses one core for Python, so a
busy host on a machine of several cores can use them all.

The first process binds the socket, serves HTTP and runs the timers and queue pollers (once
per host, as the Functions host triggers them); each other process serves HTTP only, on the
same socket inherited by file descriptor, so the kernel hands every new connection to one of
them. The processes share nothing but the data directory's SQLite files, which are made for
several processes (mosaic/adapters/embedded/sqlite.py). The first stops the others when it
stops; another exits by itself when the first is gone.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from mosaic.localhost.hostconfig import app_setting_count

logger = logging.getLogger("mosaic.host")

PROCESS_COUNT_SETTING = "FUNCTIONS_WORKER_PROCESS_COUNT"
MAX_PROCESSES = 10
"""The Functions host's limit on FUNCTIONS_WORKER_PROCESS_COUNT."""
LISTEN_BACKLOG = 2048
STOP_SECONDS = 10.0
PARENT_CHECK_SECONDS = 1.0


def process_count(value: str | None = None) -> int:
    """The number of host processes: `value` (or FUNCTIONS_WORKER_PROCESS_COUNT), 1 to 10;
    1 when neither is given; 1 on Windows, where a child process cannot inherit the
    listening socket. A ValueError names what is wrong."""
    count = app_setting_count(PROCESS_COUNT_SETTING, value, MAX_PROCESSES, 1)
    if count > 1 and sys.platform == "win32":
        raise ValueError(f"{PROCESS_COUNT_SETTING}: one process on Windows, not {count}")
    return count


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to host:port and listening, that child processes may inherit.

    IPPROTO_TCP spelled out: asyncio sets TCP_NODELAY on accepted connections only when the
    listening socket's proto is IPPROTO_TCP (see server.serving_in_thread)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(LISTEN_BACKLOG)
        sock.set_inheritable(True)
    except OSError:
        sock.close()
        raise
    return sock


@dataclass(frozen=True)
class HttpOnly:
    """What a process the first one started is told: the listening socket it inherited, and
    the first process, with which it stops."""

    listen_fd: int
    parent_pid: int

    def arguments(self) -> list[str]:
        return ["--listen-fd", str(self.listen_fd), "--parent-pid", str(self.parent_pid)]


@contextmanager
def http_processes(command: Sequence[str], sock: socket.socket, count: int) -> Iterator[None]:
    """`count` more processes running `command` followed by HttpOnly's arguments (the command
    serves HTTP only on that socket) while the context is open; stopped at its end, also
    when this process ends on SIGTERM."""
    told = HttpOnly(sock.fileno(), os.getpid())
    started = [
        subprocess.Popen([*command, *told.arguments()], pass_fds=(told.listen_fd,))
        for _ in range(count)
    ]
    if started:
        logger.info("%d more host processes serve HTTP on the same socket", len(started))
    stopping = threading.Event()
    for process in started:
        threading.Thread(target=_report_exit, args=(process, stopping), daemon=True).start()
    try:
        with _exiting_on_sigterm():
            yield
    finally:
        stopping.set()
        stop_processes(started)


@contextmanager
def _exiting_on_sigterm() -> Iterator[None]:
    """SIGTERM raises SystemExit(143), where it would end the process at once: uvicorn shuts
    down gracefully on it and then raises the signal again, which would leave the other
    processes behind."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def exit_(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, exit_)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _report_exit(process: subprocess.Popen[bytes], stopping: threading.Event) -> None:
    """A process serving HTTP that ends before the host stops it is logged (the others serve
    on; it is not restarted)."""
    code = process.wait()
    if not stopping.is_set():
        logger.error("host process %d ended with code %s; the others serve on", process.pid, code)


def stop_processes(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    """SIGTERM (uvicorn shuts down gracefully), then SIGKILL for any still running."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    for process in processes:
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def inherited_socket(told: HttpOnly) -> socket.socket:
    """The listening socket the first host process handed over."""
    return socket.socket(fileno=told.listen_fd)


def exit_with_parent(told: HttpOnly, interval: float = PARENT_CHECK_SECONDS) -> None:
    """SIGTERM this process once the first host process is no longer its parent (killed
    without stopping it, perhaps even before this one got here): a background thread checks
    every `interval` seconds."""

    def watch() -> None:
        while os.getppid() == told.parent_pid:
            time.sleep(interval)
        logger.warning("the first host process is gone: stopping")
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()
