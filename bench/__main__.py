"""`python -m bench`: seed a fresh embedded SoR, serve function_app on a loopback port in this
process, and time member logins from a pool of client threads. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import threading
import time
import traceback
from pathlib import Path

from bench import data, host, load
from bench.report import Results, peak_rss_mib, table
from mosaic.bootstrap import backends
from mosaic.demo.seed import program_sizes
from mosaic.localhost import poison_queue_name
from mosaic.ports.queue import MessageQueue
from mosaic.services.refresh import MEMBERSHIP_REFRESH_QUEUE

LOGIN = "/api/mobile/login"
MALFORMED_REQUESTS = 500
DRAIN_LIMIT_SECONDS = 300.0
DEADLINE_EXIT = 3
NOTES = {
    "first": "no document yet: the membership is built from the SoR, stored and indexed",
    "repeat": "document point read; each queues a membership-refresh that the host's poller "
    "works through meanwhile, in this same process (it competes for the CPU)",
    "malformed": "activationCode '12a45': refused by body validation, a 400 (cheapest path)",
}


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--members", type=_positive, default=100_000, help="SoR members to seed")
    parser.add_argument("--logins", type=_positive, default=2000, help="members to log in")
    parser.add_argument("--concurrency", type=_positive, default=8, help="client threads")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="use DIR (empty) and keep it")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--deadline", type=_positive, default=900, metavar="SECONDS", help="stop after this"
    )
    return parser


class _Output:
    """Prints the results exactly once: at the end, or from the watchdog at the deadline."""

    def __init__(self, results: Results, *, as_json: bool, remove: Path | None) -> None:
        self._results, self._as_json, self._remove = results, as_json, remove
        self._lock = threading.Lock()
        self._printed = False

    def finish(self) -> bool:
        with self._lock:
            if self._printed:
                return False
            self._printed = True
            self._print()
            return True

    def expire(self) -> None:
        """The watchdog: print what there is, and leave whatever is still running."""
        with self._lock:
            if self._printed:
                return
            self._printed = True
            self._results.outcome = "deadline"
            self._print()
        os._exit(DEADLINE_EXIT)

    def _print(self) -> None:
        report = self._results.as_dict()
        print(json.dumps(report, indent=2) if self._as_json else table(report), flush=True)
        if self._remove is not None:
            shutil.rmtree(self._remove, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        program_sizes(args.members)
        directory, temporary = data.data_dir(args.keep)
    except ValueError as error:
        parser.error(str(error))
    warnings = host.WarningCounter()
    warnings.install()
    options = {k: getattr(args, k) for k in ("members", "logins", "concurrency", "deadline")}
    results = Results(options=options, warnings=warnings)
    results.data_dir = f"{directory} ({'removed at the end' if temporary else 'kept'})"
    output = _Output(results, as_json=args.json, remove=directory if temporary else None)
    watchdog = threading.Timer(args.deadline, output.expire)
    watchdog.daemon = True
    watchdog.start()
    try:
        _run(args, directory, time.monotonic() + args.deadline, results)
        results.outcome = "complete"
    except Exception as error:
        traceback.print_exc()
        results.outcome, results.error = "failed", f"{type(error).__name__}: {error}"
    finally:
        watchdog.cancel()
    if not output.finish():
        return DEADLINE_EXIT
    return 0 if results.outcome == "complete" else 1


def _run(args: argparse.Namespace, directory: Path, deadline: float, results: Results) -> None:
    results.step = "seeding"
    data.configure(directory)
    seeded = data.seed(args.members)
    results.seed = {
        "members": seeded.members,
        "rows": seeded.rows,
        "seconds": round(seeded.seconds, 2),
        "rowsPerSecond": round(seeded.rows / seeded.seconds, 1),
    }
    results.peak_rss_mib["afterSeed"] = peak_rss_mib()
    results.step = "picking login candidates"
    logins = [
        load.Call(LOGIN, {"program": program, "activationCode": code}, 200)
        for program, code in data.candidates(args.logins)
    ]
    if not logins:
        raise RuntimeError("the seeded SoR has no active member to log in")
    malformed = [
        load.Call(
            LOGIN,
            {"program": logins[i % len(logins)].body["program"], "activationCode": "12a45"},
            400,
        )
        for i in range(MALFORMED_REQUESTS)
    ]
    queue = backends().queue
    results.step = "starting the host"
    with host.serving() as base_url:
        warm_up = load.Phase("warm-up", "", 1)  # the first request's one-off costs
        load.run(warm_up, base_url, malformed[:1], concurrency=1, deadline=deadline)

        def phase(name: str, note: str, calls: list[load.Call]) -> load.Phase:
            results.step = name
            measured = load.Phase(name, note, len(calls))
            results.phases.append(measured)
            load.run(measured, base_url, calls, concurrency=args.concurrency, deadline=deadline)
            return measured

        phase("first login", NOTES["first"], logins)
        repeat = phase("repeat login", NOTES["repeat"], logins)
        results.step = "draining the refresh queue"
        answered = repeat.summary()
        results.refresh = _drain(queue, answered["count"] - answered["errors"], deadline)
        phase("malformed code", NOTES["malformed"], malformed)
        results.step = "stopping the host"
    results.peak_rss_mib["end"] = peak_rss_mib()
    results.sqlite_bytes = data.sqlite_files(directory)


def _drain(queue: MessageQueue, queued: int, deadline: float) -> dict[str, object]:
    """Wait (bounded) until the host's poller has processed every queued refresh."""
    backlog = queue.count(MEMBERSHIP_REFRESH_QUEUE)
    started = time.monotonic()
    stop = min(started + DRAIN_LIMIT_SECONDS, deadline)
    left = backlog
    while left and time.monotonic() < stop:
        time.sleep(0.05)
        left = queue.count(MEMBERSHIP_REFRESH_QUEUE)
    return {
        "queued": queued,
        "backlogAtPhaseEnd": backlog,
        "left": left,
        "drainSeconds": round(time.monotonic() - started, 2),
        "poisoned": queue.count(poison_queue_name(MEMBERSHIP_REFRESH_QUEUE)),
    }


if __name__ == "__main__":
    sys.exit(main())
