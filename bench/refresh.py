"""The refresh processor's figures (`python -m bench refresh`, and the end of a full run): on
the seeded SoR, a fresh digital side of its own (documents, queues, search) is filled by the
program refresh and the import, then measured by a queued refresh of existing memberships and
by the hourly update. Each step runs in a process of its own (bench/work.py), so its peak RSS
is its own; the queue is drained as the local host's poller drains it (one process,
process_batch with host.json's settings); py-spy samples the drains and the program refresh
(bench/profile.py).

Coalescing is off (MOSAIC_REFRESH_COALESCE_SECONDS=0) in these processes: a membership
refreshed by the import a minute earlier is refreshed again, so every message measured does
the work of a refresh instead of being dropped.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import data
from bench.profile import py_spy, read_folded, recording, summary
from bench.wrk import marked_figures
from mosaic.bootstrap import backends
from mosaic.demo.seed import program_sizes
from mosaic.localhost import poison_queue_name
from mosaic.services.membership_import import read_job
from mosaic.services.refresh_requests import MEMBERSHIP_REFRESH_QUEUE

ROOT = Path(__file__).resolve().parent.parent
STEP_LIMIT_SECONDS = 3600
TARGETS = {
    "queueRefreshPerSecond": 500,
    "updateSeconds": 30,
    "programRefreshSeconds": 30,
    "documentP99Bytes": 256 * 1024,
}


@dataclass(frozen=True)
class Options:
    members: int
    messages: int = 10_000
    changed_percent: float = 1.0
    profile: bool = True


class Steps:
    """Runs bench/work.py steps in the refresh data directory's environment."""

    def __init__(self, directory: Path, profile: bool) -> None:
        self.directory, self.profile = directory, profile and py_spy() is not None
        self.environment = os.environ | {"MOSAIC_REFRESH_COALESCE_SECONDS": "0"}

    def run(self, step: str, *args: str, profile_as: str | None = None) -> dict[str, Any]:
        command = [sys.executable, "-m", "bench.work", step, *args]
        folded = self.directory / f"profile-{profile_as}.txt" if profile_as else None
        if folded is not None and self.profile:
            command = recording(command, folded)
        finished = subprocess.run(
            command,
            cwd=ROOT,
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=STEP_LIMIT_SECONDS,
            check=False,
        )
        figures = marked_figures(finished.stdout)
        if finished.returncode != 0 or figures is None:
            tail = finished.stderr.strip().splitlines()[-5:]
            raise RuntimeError(f"bench.work {step} failed ({finished.returncode}): {tail}")
        if folded is not None and folded.exists():
            figures["profile"] = summary(read_folded(folded))
        return figures

    def drain(self, name: str) -> dict[str, Any]:
        """Drain the refresh queue; what is left after (delayed retries) and poisoned."""
        figures = self.run("drain", profile_as=name)
        queue = backends().queue
        figures["left"] = queue.count(MEMBERSHIP_REFRESH_QUEUE)
        figures["poisoned"] = queue.count(poison_queue_name(MEMBERSHIP_REFRESH_QUEUE))
        return figures


def measure(directory: Path, sor: Path, options: Options) -> dict[str, Any]:
    """Every refresh figure, in order: the program refresh, the import, the document sizes,
    the queued refresh of existing memberships, the hourly update."""
    directory.mkdir(parents=True, exist_ok=True)
    data.configure(directory, sor=sor)
    steps = Steps(directory, options.profile)
    figures: dict[str, Any] = {"options": options.__dict__, "targets": TARGETS}
    figures["programRefresh"] = _program_refresh(steps, options.members)
    figures["import"] = _import(steps)
    figures["documentSizes"] = steps.run("sizes")
    figures["queueRefresh"] = _queue_refresh(steps, options.messages)
    figures["hourlyUpdate"] = _hourly_update(steps, options.changed_percent)
    return figures


def _program_refresh(steps: Steps, members: int) -> dict[str, Any]:
    sizes = program_sizes(members)
    largest = max(sizes, key=lambda code: sizes[code])
    figures = steps.run("programs", profile_as="programs")
    return figures | {
        "program": largest,
        "members": sizes[largest],
        "largestSeconds": figures["programs"][largest],
    }


def _import(steps: Steps) -> dict[str, Any]:
    started = steps.run("import")
    drained = steps.drain("import")
    job = read_job(backends(), started["job"])
    seconds = started["seconds"] + drained["seconds"]
    total = started["total"]
    return {
        "memberships": total,
        "queueSeconds": started["seconds"],
        "drain": drained,
        "seconds": round(seconds, 2),
        "perSecond": round(total / seconds, 1),
        "job": {
            "total": job.body.get("total"),
            "queued": job.body.get("queued"),
            "done": job.done,
            "failed": job.failed,
            "dropped": job.dropped,
        },
        "finished": job.finished,
        "peakRssMiB": {"queueing": started["peakRssMiB"], "drain": drained["peakRssMiB"]},
    }


def _queue_refresh(steps: Steps, messages: int) -> dict[str, Any]:
    queued = steps.run("enqueue", "--count", str(messages))
    drained = steps.drain("queue-refresh")
    processed = drained["processed"]
    cpu_ms = drained["cpuSeconds"] * 1000
    return {
        "messages": queued["queued"],
        "queueSeconds": queued["seconds"],
        "drain": drained,
        "perSecond": round(processed / drained["seconds"], 1) if drained["seconds"] else None,
        "cpuMsPerMessage": round(cpu_ms / processed, 2) if processed else None,
        "peakRssMiB": {"queueing": queued["peakRssMiB"], "drain": drained["peakRssMiB"]},
    }


def _hourly_update(steps: Steps, percent: float) -> dict[str, Any]:
    """A first run sets the watermarks (and whatever it queues is drained); then `percent`
    of the memberships are touched in the SoR and the timed run and its drain follow."""
    baseline = steps.run("update")
    baseline_drain = steps.drain("update-baseline") if baseline["queued"] else None
    touched = steps.run("touch", "--percent", str(percent))
    update = steps.run("update")
    drained = steps.drain("update")
    return {
        "baselineQueued": baseline["queued"],
        "baselineDrainSeconds": baseline_drain["seconds"] if baseline_drain else 0,
        "touched": touched["touched"],
        "queued": update["queued"],
        "updateSeconds": update["seconds"],
        "drain": drained,
        "seconds": round(update["seconds"] + drained["seconds"], 2),
        "peakRssMiB": {"update": update["peakRssMiB"], "drain": drained["peakRssMiB"]},
    }
