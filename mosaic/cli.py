"""Command line: `python -m mosaic serve | demo seed | demo show`."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mosaic.bootstrap import admin_key, backends, sor_engine
from mosaic.logs import quiet_azure_sdk
from mosaic.settings import get_settings

if TYPE_CHECKING:
    from mosaic.services.membership_import import ImportStarted

ROOT = Path(__file__).resolve().parent.parent
DEMO_IMPORT_MONTHS = 120
"""Every demo membership started within the last ten years."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m mosaic", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the local Functions host")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=7071)
    serve.add_argument("--no-timers", action="store_true", help="do not fire timer triggers")
    serve.add_argument(
        "--processes",
        help="host processes serving HTTP on the port, the first also running the timers and "
        "queue pollers (default: FUNCTIONS_WORKER_PROCESS_COUNT, else 1)",
    )
    serve.add_argument(
        "--threads",
        help="worker threads per process for sync functions (default: "
        "PYTHON_THREADPOOL_THREAD_COUNT, else CPUs + 4, at most 32)",
    )
    serve.add_argument("--listen-fd", type=int, help=argparse.SUPPRESS)
    serve.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)
    demo = commands.add_parser("demo", help="demo data").add_subparsers(
        dest="action", required=True
    )
    seed = demo.add_parser("seed", help="fill the system of record (MOSAIC_SOR_URL)")
    seed.add_argument("--members", type=int, default=2000)
    seed.add_argument("--seed", type=int, default=None, help="default: MOSAIC_DEMO_SEED")
    seed.add_argument("--if-empty", action="store_true", help="do nothing when already seeded")
    show = demo.add_parser("show", help="print sample members and keys as JSON")
    show.add_argument("--per-program", type=int, default=3)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    quiet_azure_sdk()
    if args.command == "serve":
        return _serve(args)
    if args.action == "seed":
        return _seed(
            args.members,
            args.seed if args.seed is not None else get_settings().demo_seed,
            if_empty=args.if_empty,
        )
    print(json.dumps(_sample(args.per_program), indent=2))
    return 0


def _seed(members: int, seed: int, *, if_empty: bool) -> int:
    from mosaic.demo.seed import add_missing_tables, is_seeded, seed_demo

    engine = sor_engine(get_settings())
    if is_seeded(engine):
        if if_empty:
            added = add_missing_tables(engine)
            print("demo data already seeded; keeping it" + _added(added))
            return 0
        print("the system of record is already seeded; `make clean` starts over", file=sys.stderr)
        return 2
    today = backends().clock.now().date()
    report = seed_demo(engine, members=members, seed=seed, today=today)
    _seed_file().write_text(json.dumps({"seed": seed}))
    rows = ", ".join(f"{table} {count}" for table, count in report.counts.items())
    print(
        f"seeded {members} members (seed {seed}, today {today}) in {report.seconds:.1f} s: {rows}"
    )
    programs = _refresh_programs()
    print(f"program documents refreshed: {', '.join(programs)}")
    job = _import_memberships(today)
    print(
        f"import job {job.job_id}: {job.total} memberships queued for their refresh; the host "
        "works through them once it serves (GET /api/control/jobs/<id> shows progress)"
    )
    return 0


def _import_memberships(today: date) -> ImportStarted:
    """Every seeded membership, through the import path (DESIGN section 1: fanned out on the
    refresh queue), so the app soon holds their digital memberships and dynamic vouchers."""
    from mosaic.services.membership_import import last_months, start_import

    return start_import(backends(), last_months(today, DEMO_IMPORT_MONTHS))


def _refresh_programs() -> list[str]:
    """Every program's document, so the app starts with its content and figures (memberships
    become digital at first login, or by the hourly update)."""
    from mosaic.services.program_refresh import refresh_program

    codes = backends().sor.program_codes()
    for code in codes:
        refresh_program(backends(), code, "seed")
    return codes


def _added(tables: list[str]) -> str:
    return f" (SoR tables added: {', '.join(tables)})" if tables else ""


def _seed_file() -> Path:
    """Where `demo seed` notes the seed it used, so `demo show` derives the same keys."""
    data_dir = get_settings().data_dir
    data_dir.mkdir(parents=True, exist_ok=True)  # the Azure backend keeps nothing else there
    return data_dir / "demo-seed.json"


def _sample(per_program: int) -> dict[str, Any]:
    from mosaic.demo.show import demo_sample

    settings = get_settings()
    seed = json.loads(_seed_file().read_text())["seed"] if _seed_file().exists() else None
    sample = demo_sample(
        sor_engine(settings),
        seed=settings.demo_seed if seed is None else seed,
        per_program=per_program,
    )
    for program in sample["programs"]:
        for member in program["members"]:
            member["dynamicVouchers"] = _dynamic_vouchers(program["code"], member)
    return sample | {"adminKey": admin_key()}


def _dynamic_vouchers(program: str, member: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The member's dynamic vouchers, from its digital membership; None until it is digital
    (the host's import, or a first login, makes it so)."""
    from mosaic.demo.show import NETWORK
    from mosaic.domain.membership import DigitalMembership
    from mosaic.ports.documents import Container
    from mosaic.services.documents import read_or_none

    found = read_or_none(
        backends().documents, Container.MEMBERSHIPS, program, member["membershipNumber"]
    )
    if found is None:
        return None
    document = DigitalMembership.model_validate(found.body)
    return [
        {
            "code": v.code,
            "type": v.type.value,
            "hotel": v.hotel or NETWORK,
            "status": v.status.value,
            "validFrom": v.valid_from.isoformat(),
            "validTo": v.valid_to.isoformat(),
        }
        for v in document.dynamic_vouchers
    ]


def _serve(args: argparse.Namespace) -> int:
    from function_app import app
    from mosaic.localhost.processes import HttpOnly, process_count
    from mosaic.localhost.server import serve
    from mosaic.localhost.workers import THREAD_COUNT_SETTING, thread_count

    try:
        processes, threads = process_count(args.processes), thread_count(args.threads)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    os.environ[THREAD_COUNT_SETTING] = str(threads)  # this process's pool, and the others'
    base = f"http://{args.host}:{args.port}/api"
    told = None if args.listen_fd is None else HttpOnly(args.listen_fd, args.parent_pid)

    def ready() -> None:
        if told is None:
            print(_try_this(base), flush=True)

    serve(
        app,
        host=args.host,
        port=args.port,
        queue=backends().queue,
        documents=backends().documents,
        host_json=ROOT / "host.json",
        timers=not args.no_timers,
        on_ready=ready,
        processes=processes,
        process_command=[sys.executable, "-m", "mosaic", "serve"],
        http_only=told,
    )
    return 0


def _try_this(base: str) -> str:
    lines = [f"Mosaic is serving on {base}", f"  OpenAPI: curl -s {base}/openapi.json"]
    try:
        programs = _sample(1)["programs"]
        member = programs[0]["members"][0]
        body = json.dumps(
            {"program": programs[0]["code"], "activationCode": member["activationCode"]}
        )
        lines.append(
            f"  Log in:  curl -s -X POST {base}/mobile/login "
            f"-H 'content-type: application/json' -d '{body}'"
        )
    except Exception as error:  # the demo data is a convenience; serving goes on without it
        lines.append(f"  (no demo data to suggest a login: {error})")
    lines.append("  More members and keys: .venv/bin/python -m mosaic demo show")
    return "\n".join(lines)
