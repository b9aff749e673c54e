"""Command line: `python -m mosaic serve | demo seed | demo show`."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from mosaic.bootstrap import backends, secret, sor_engine
from mosaic.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m mosaic", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the local Functions host")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=7071)
    serve.add_argument("--no-timers", action="store_true", help="do not fire timer triggers")
    demo = commands.add_parser("demo", help="demo data").add_subparsers(
        dest="action", required=True
    )
    seed = demo.add_parser("seed", help="fill the embedded system of record")
    seed.add_argument("--members", type=int, default=2000)
    seed.add_argument("--seed", type=int, default=None, help="default: MOSAIC_DEMO_SEED")
    seed.add_argument("--if-empty", action="store_true", help="do nothing when already seeded")
    show = demo.add_parser("show", help="print sample members and keys as JSON")
    show.add_argument("--per-program", type=int, default=3)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if args.command == "serve":
        return _serve(args.host, args.port, timers=not args.no_timers)
    if args.action == "seed":
        return _seed(
            args.members,
            args.seed if args.seed is not None else get_settings().demo_seed,
            if_empty=args.if_empty,
        )
    print(json.dumps(_sample(args.per_program), indent=2))
    return 0


def _seed(members: int, seed: int, *, if_empty: bool) -> int:
    from mosaic.demo.seed import is_seeded, seed_demo

    engine = sor_engine(get_settings())
    if is_seeded(engine):
        if if_empty:
            print("demo data already seeded; keeping it")
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
    return 0


def _refresh_programs() -> list[str]:
    """Every program's document, so the app starts with its content and figures (memberships
    become digital at first login, or by the hourly update)."""
    from mosaic.services.program_refresh import refresh_program

    codes = backends().sor.program_codes()
    for code in codes:
        refresh_program(backends(), code, "seed")
    return codes


def _seed_file() -> Path:
    """Where `demo seed` notes the seed it used, so `demo show` derives the same keys."""
    return get_settings().data_dir / "demo-seed.json"


def _sample(per_program: int) -> dict[str, Any]:
    from mosaic.demo.show import demo_sample

    settings = get_settings()
    seed = json.loads(_seed_file().read_text())["seed"] if _seed_file().exists() else None
    sample = demo_sample(
        sor_engine(settings),
        seed=settings.demo_seed if seed is None else seed,
        per_program=per_program,
    )
    return sample | {"adminKey": secret(settings, "admin_key")}


def _serve(host: str, port: int, *, timers: bool) -> int:
    from function_app import app
    from mosaic.localhost.server import serve

    def ready() -> None:
        print(_try_this(f"http://{host}:{port}/api"), flush=True)

    serve(
        app,
        host=host,
        port=port,
        queue=backends().queue,
        documents=backends().documents,
        host_json=ROOT / "host.json",
        timers=timers,
        on_ready=ready,
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
