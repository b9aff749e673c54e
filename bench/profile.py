"""Where a step's time goes: py-spy samples the step's process from outside (every thread,
without pausing it) and writes folded stacks; `summary` turns them into a few lines.

The summary descends the merged call tree from its root while one call holds most of its
caller's samples (the entry chain: the thread, the host's worker, the function, the use case)
and names the calls at the first place the time splits, with their share of every sample;
then the same below the largest of them. Last, what the innermost frames are: the library
(or our module) the process was in when sampled.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

SAMPLES_PER_SECOND = 100
ATTACH_SECONDS = 0.5
"""py-spy's time to attach to a running process before what it should sample starts."""
ENTRY_SHARE = 0.75
"""A call holding this share of its caller's samples is part of the entry chain."""
SHOWN_CALLS = 6
SHOWN_LEAVES = 5
MIN_SHARE = 0.02
_PROCESS = re.compile(r"^process \d+:")
_FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^()]*)\)$")
WAITING = frozenset({"WorkerPool._work", "Condition.wait", "Event.wait", "Thread.join"})
"""Innermost frames of a thread that waits (py-spy samples these too here): the host's idle
worker threads on their job queue, the poller waiting for its function's outcome."""


def py_spy() -> str | None:
    found = shutil.which("py-spy")
    if found is None:
        venv = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "py-spy"
        return str(venv) if venv.exists() else None
    return found


def recording(command: list[str], output: Path) -> list[str]:
    """`command` run under py-spy, its folded stacks written to `output` when it exits."""
    spy = py_spy()
    if spy is None:
        raise RuntimeError("py-spy is not installed (requirements-dev.txt pins it)")
    return [
        *(spy, "record", "--nonblocking", "--nolineno", "--format", "raw"),
        *("--rate", str(SAMPLES_PER_SECOND), "--output", str(output), "--"),
        *command,
    ]


@contextmanager
def attached(pid: int, output: Path) -> Iterator[None]:
    """py-spy samples the running process `pid` and its subprocesses (the local host's other
    workers) while the block runs; its folded stacks are in `output` afterwards."""
    spy = py_spy()
    if spy is None:
        raise RuntimeError("py-spy is not installed (requirements-dev.txt pins it)")
    command = [
        *(spy, "record", "--nonblocking", "--nolineno", "--subprocesses", "--format", "raw"),
        *("--rate", str(SAMPLES_PER_SECOND), "--output", str(output), "--pid", str(pid)),
    ]
    recorder = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(ATTACH_SECONDS)
        yield
    finally:
        recorder.send_signal(signal.SIGINT)  # py-spy writes what it sampled, then exits
        try:
            recorder.wait(timeout=30)
        except subprocess.TimeoutExpired:
            recorder.kill()
            recorder.wait()


@dataclass
class _Node:
    samples: int = 0
    children: dict[str, _Node] = field(default_factory=dict)


def _tree(stacks: Iterable[tuple[list[str], int]]) -> _Node:
    root = _Node()
    for frames, count in stacks:
        node = root
        node.samples += count
        for frame in frames:
            node = node.children.setdefault(frame, _Node())
            node.samples += count
    return root


def read_folded(path: Path) -> list[tuple[list[str], int]]:
    """py-spy's raw format (`frame;frame;...;frame count`, outermost first), without the
    samples of waiting threads and of the imports at the process's start; the processes of
    one recording merged."""
    stacks = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        while frames and _PROCESS.match(frames[0]):
            frames = frames[1:]  # `--subprocesses` names the processes first: merge them
        if not frames or not stack.strip() or not count.isdigit() or _idle(frames):
            continue
        stacks.append((frames, int(count)))
    return stacks


def _idle(frames: list[str]) -> bool:
    match = _FRAME.match(frames[-1])
    if match is not None and match["function"] in WAITING:
        return True
    return any("(<frozen importlib" in frame for frame in frames)


def _name(frame: str) -> str:
    """`refresh_membership (mosaic/services/refresh.py)` -> `refresh.refresh_membership`."""
    match = _FRAME.match(frame)
    if match is None:
        return frame
    module = Path(match["file"]).stem
    return f"{module}.{match['function']}"


def _split(node: _Node, frame: str) -> tuple[str, _Node]:
    """Descend the entry chain: the first call below `node` whose time splits."""
    while node.children:
        top_frame, top = max(node.children.items(), key=lambda item: item[1].samples)
        if top.samples < ENTRY_SHARE * node.samples:
            break
        frame, node = top_frame, top
    return frame, node


def _calls(node: _Node, total: int) -> str:
    if not node.children:
        return "all in it"
    shown = sorted(node.children.items(), key=lambda item: -item[1].samples)[:SHOWN_CALLS]
    return ", ".join(
        f"{_name(frame)} {child.samples / total:.0%}"
        for frame, child in shown
        if child.samples >= MIN_SHARE * total
    )


def _library(frame: str) -> str:
    match = _FRAME.match(frame)
    path = match["file"] if match else frame
    parts = Path(path).parts
    if "mosaic" in parts:
        return "/".join(parts[parts.index("mosaic") : -1])
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1]
    return parts[0] if len(parts) > 1 else Path(path).stem


def summary(stacks: list[tuple[list[str], int]]) -> list[str]:
    """A few lines saying where the samples went (module docstring)."""
    root = _tree(stacks)
    total = root.samples
    if not total:
        return ["no samples"]
    frame, split = _split(root, "every thread")
    share = split.samples / total
    lines = [f"{total:,} samples; {_name(frame)} {share:.0%}: {_calls(split, total)}"]
    if split.children:
        top_frame, top = max(split.children.items(), key=lambda item: item[1].samples)
        inner_frame, inner = _split(top, top_frame)
        if inner.children:
            lines.append(
                f"in {_name(inner_frame)} ({inner.samples / total:.0%}): {_calls(inner, total)}"
            )
    leaves: Counter[str] = Counter()
    for frames, count in stacks:
        leaves[_library(frames[-1])] += count
    innermost = ", ".join(
        f"{name} {count / total:.0%}" for name, count in leaves.most_common(SHOWN_LEAVES)
    )
    lines.append(f"innermost frames: {innermost}")
    return lines
