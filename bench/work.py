"""`python -m bench.work STEP`: one step of the refresh scenarios (bench/refresh.py), run in a
process of its own so that its peak RSS is its own. The environment (bench/data.py) names the
data directory and the SoR. Prints one line, `BENCH {json}`: the step's figures, its wall and
CPU seconds and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.report import peak_rss_mib
from bench.wrk import MARKER
from function_app import app
from mosaic.adapters.sor import schema
from mosaic.bootstrap import backends, sor_engine
from mosaic.cli import DEMO_IMPORT_MONTHS
from mosaic.localhost import load_host_config, process_batch, registered_functions
from mosaic.ports.documents import Container
from mosaic.services.membership_import import last_months, start_import
from mosaic.services.membership_update import WATERMARK_ID, update_memberships
from mosaic.services.program_refresh import refresh_program
from mosaic.services.refresh_requests import MEMBERSHIP_REFRESH_QUEUE, RefreshReason
from mosaic.services.refresh_requests import request_refresh as queue_refresh
from mosaic.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
TOUCH_CHUNK = 500


def programs() -> dict[str, Any]:
    """Refresh every program document; seconds per program."""
    seconds = {}
    for code in backends().sor.program_codes():
        started = time.perf_counter()
        refresh_program(backends(), code, "bench")
        seconds[code] = round(time.perf_counter() - started, 3)
    return {"programs": seconds}


def import_memberships() -> dict[str, Any]:
    """Start the import of every demo membership (as `demo seed` does): the job is created
    and one refresh per membership queued."""
    today = backends().clock.now().date()
    job = start_import(backends(), last_months(today, DEMO_IMPORT_MONTHS))
    return {"job": job.job_id, "total": job.total}


def enqueue(count: int) -> dict[str, Any]:
    """Queue a refresh (reason login) for `count` memberships spread evenly over the SoR."""
    members = _sample(count)
    for program, number in members:
        queue_refresh(backends(), program, number, RefreshReason.LOGIN)
    return {"queued": len(members)}


def drain() -> dict[str, Any]:
    """Process the membership-refresh queue as the local host's poller does (process_batch
    with host.json's settings, functions on the host's worker threads) until no message is
    visible."""
    [spec] = [s for s in registered_functions(app) if s.queue_name == MEMBERSHIP_REFRESH_QUEUE]
    config = load_host_config(ROOT / "host.json")
    outcomes: Counter[str] = Counter()
    while batch := process_batch(backends().queue, spec, config):
        outcomes.update(batch)
    return {"outcomes": dict(outcomes), "processed": sum(outcomes.values())}


def update() -> dict[str, Any]:
    """The hourly update, once: refreshes queued per program."""
    report = update_memberships(backends())
    return {"queued": report.queued, "byProgram": {u.program: u.queued for u in report.programs}}


def touch(percent: float) -> dict[str, Any]:
    """Mark `percent` of the memberships changed in the SoR: their row's `updated_at` set
    just after the program's update watermark, as a change since the last hourly run."""
    members = _sample(round(_member_count() * percent / 100))
    by_program: dict[str, list[str]] = {}
    for program, number in members:
        by_program.setdefault(program, []).append(number)
    m = schema.memberships
    engine = sor_engine(get_settings())
    try:
        with engine.begin() as connection:
            for program, numbers in by_program.items():
                at = _watermark(program) + timedelta(milliseconds=1)
                for first in range(0, len(numbers), TOUCH_CHUNK):
                    chunk = numbers[first : first + TOUCH_CHUNK]
                    connection.execute(
                        m.update()
                        .where(m.c.program == program, m.c.membership_number.in_(chunk))
                        .values(updated_at=at)
                    )
    finally:
        engine.dispose()
    return {"touched": len(members)}


def sizes() -> dict[str, Any]:
    """Bytes of every membership document as compact UTF-8 JSON: p50, p99, max."""
    store = backends().documents
    lengths = sorted(
        len(json.dumps(document.body, separators=(",", ":"), ensure_ascii=False).encode())
        for program in backends().sor.program_codes()
        for document in store.iterate(Container.MEMBERSHIPS, program, page_size=500)
    )
    if not lengths:
        return {"documents": 0}
    cuts = statistics.quantiles(lengths, n=100, method="inclusive")
    return {"documents": len(lengths), "p50": cuts[49], "p99": cuts[98], "max": lengths[-1]}


def _watermark(program: str) -> datetime:
    found = backends().documents.read(Container.SYSTEM, program, WATERMARK_ID)
    return datetime.fromisoformat(str(found.body["watermark"]))


def _member_count() -> int:
    engine = sor_engine(get_settings())
    try:
        with engine.connect() as connection:
            query = sa.select(sa.func.count()).select_from(schema.memberships)
            return int(connection.execute(query).scalar_one())
    finally:
        engine.dispose()


def _sample(count: int) -> list[tuple[str, str]]:
    """`count` (program, membership number) pairs at an even stride over the SoR's
    memberships in number order: the same ones every run of one seed."""
    m = schema.memberships.c
    engine = sor_engine(get_settings())
    try:
        with engine.connect() as connection:
            query = sa.select(m.program, m.membership_number).order_by(
                m.program, m.membership_number
            )
            rows = [(str(p), str(n)) for p, n in connection.execute(query)]
    finally:
        engine.dispose()
    if count <= 0 or not rows:
        return []
    stride = max(1, len(rows) // count)
    return rows[::stride][:count]


STEPS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "programs": lambda _: programs(),
    "import": lambda _: import_memberships(),
    "enqueue": lambda args: enqueue(args.count),
    "drain": lambda _: drain(),
    "update": lambda _: update(),
    "touch": lambda args: touch(args.percent),
    "sizes": lambda _: sizes(),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.work", description=__doc__)
    parser.add_argument("step", choices=sorted(STEPS))
    parser.add_argument("--count", type=int, default=0, help="enqueue: memberships")
    parser.add_argument("--percent", type=float, default=1.0, help="touch: % of memberships")
    args = parser.parse_args(argv)
    started, cpu = time.perf_counter(), time.process_time()
    figures = STEPS[args.step](args)
    figures |= {
        "seconds": round(time.perf_counter() - started, 3),
        "cpuSeconds": round(time.process_time() - cpu, 3),
        "peakRssMiB": peak_rss_mib(),
    }
    print(MARKER + json.dumps(figures), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
