"""`python -m bench [refresh|pos|loyalty]`: seed a fresh embedded SoR, start the local host as a
subprocess (`python -m mosaic serve`) and load it with wrk, another process (installed when
missing), one scenario at a time: logins, a signed-in member's dynamic vouchers, the cheapest
paths, POS validate and redeem (digital and through the SoR fallback, bench/pos.py); then the
refresh processor's figures on the same SoR (bench/refresh.py). `refresh` runs only those;
`pos` only the first logins (unmeasured) and the POS scenarios; `loyalty` only the daily
loyalty job over a document store of its own (bench/loyalty.py: no SoR, no host), which a full
run measures last.
Prints figures and writes them into README.md's bench blocks; asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib
import json
import shutil
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import data, host, loyalty, pos_run, readme, refresh, refresh_report, sessions, wrk
from bench.profile import attached, py_spy, read_folded, summary
from bench.report import Results, headline, markdown, peak_rss_mib, table
from mosaic.bootstrap import backends
from mosaic.demo.seed import program_sizes
from mosaic.localhost import poison_queue_name
from mosaic.ports.documents import Container, Where
from mosaic.ports.queue import MessageQueue
from mosaic.services.refresh import MEMBERSHIP_REFRESH_QUEUE

LOGIN = sessions.LOGIN
DYNAMIC_VOUCHERS = "/api/mobile/vouchers/dynamic"
OPENAPI = "/api/openapi.json"
WARM_UP_SECONDS = 2.0
FIRST_LOGIN_LIMIT_SECONDS = 180.0
DRAIN_LIMIT_SECONDS = 240.0
DEFAULT_HOST = host.Options(processes=2, threads=1)
"""Measured best for POS redemption on 2 cores (README: the bench's POS figures)."""
OPTIONAL_MODULES = ("bench.documents", "bench.adapters")
"""Modules with `measure(data_dir: Path) -> dict` whose figures join the report when present:
bench/documents.py (document store queries) is one. Called once the host has stopped, with
the seeded data directory and its environment (bench/data.py) still in place."""


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "scope",
        nargs="?",
        choices=("all", "refresh", "pos", "loyalty"),
        default="all",
        help="everything (default), the refresh processor's figures only, POS only, or the "
        "daily loyalty job only (at a tenth of --members, then at --members)",
    )
    parser.add_argument("--members", type=_positive, default=100_000, help="SoR members to seed")
    parser.add_argument("--logins", type=_positive, default=2000, help="members to log in")
    parser.add_argument(
        "--host-processes",
        type=_positive,
        default=DEFAULT_HOST.processes,
        help="host processes serving HTTP (`serve --processes`)",
    )
    parser.add_argument(
        "--host-threads",
        type=_positive,
        default=DEFAULT_HOST.threads,
        help="worker threads per host process (`serve --threads`)",
    )
    parser.add_argument("--connections", type=_positive, default=8, help="wrk connections")
    parser.add_argument("--threads", type=_positive, default=1, help="wrk threads")
    parser.add_argument("--seconds", type=_positive, default=10, help="duration per scenario")
    parser.add_argument(
        "--refresh-messages", type=_positive, default=10_000, help="queued refreshes to drain"
    )
    parser.add_argument(
        "--changed-percent",
        type=float,
        default=1.0,
        help="memberships changed in the SoR before the hourly update",
    )
    parser.add_argument(
        "--no-profile", action="store_true", help="no py-spy while refreshing or redeeming"
    )
    parser.add_argument("--keep", type=Path, metavar="DIR", help="use DIR (empty) and keep it")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--readme",
        type=Path,
        default=host.ROOT / "README.md",
        help="the README whose bench block a complete run rewrites (default: the project's)",
    )
    parser.add_argument("--no-readme", action="store_true", help="leave the README alone")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        program_sizes(args.members)
        if args.scope in ("all", "pos"):
            wrk.wrk_path()
        directory, temporary = data.data_dir(args.keep)
    except (ValueError, RuntimeError) as error:
        parser.error(str(error))
    names = ("scope", "members", "logins", "connections", "threads", "seconds")
    options = {k: getattr(args, k) for k in names}
    options["host"] = _host_options(args).describe()
    results = Results(options=options)
    results.data_dir = f"{directory} ({'removed at the end' if temporary else 'kept'})"
    started = time.monotonic()
    try:
        _run(args, directory, results)
        results.outcome = "complete"
    except Exception as error:
        traceback.print_exc()
        results.outcome, results.error = "failed", f"{type(error).__name__}: {error}"
    finally:
        results.run_seconds = round(time.monotonic() - started)
        if temporary:
            shutil.rmtree(directory, ignore_errors=True)
    report = results.as_dict()
    print(json.dumps(report, indent=2) if args.json else table(report), flush=True)
    if results.outcome != "complete":
        return 1
    if not args.no_readme:
        if args.scope == "all":
            readme.replace_block(args.readme, markdown(report))
        if report["refresh"] is not None:
            block = refresh_report.markdown(report["refresh"], headline(report, short=True))
            readme.replace_block(args.readme, block, readme.REFRESH)
        if report["loyalty"] is not None:
            block = loyalty.markdown(report["loyalty"], headline(report, short=True))
            readme.replace_block(args.readme, block, readme.LOYALTY)
        print(f"figures written to {args.readme}", file=sys.stderr)
    return 0


def _run(args: argparse.Namespace, directory: Path, results: Results) -> None:
    if args.scope == "loyalty":
        _loyalty(args, directory, results)
        return
    results.step = "seeding"
    data.configure(directory)
    seeded = data.seed(args.members)
    results.seed = {
        "members": seeded.members,
        "rows": seeded.rows,
        "seconds": round(seeded.seconds, 2),
        "rowsPerSecond": round(seeded.rows / seeded.seconds, 1),
    }
    results.peak_rss_mib["seeder"] = peak_rss_mib()
    if args.scope != "refresh":
        _logins(args, directory, results)
    if args.scope == "pos":
        return
    results.step = "refresh processor"
    options = refresh.Options(
        members=args.members,
        messages=args.refresh_messages,
        changed_percent=args.changed_percent,
        profile=not args.no_profile,
    )
    results.refresh = refresh.measure(directory / "refresh", directory / "sor.sqlite", options)
    if args.scope == "all":
        _loyalty(args, directory, results)


def _loyalty(args: argparse.Namespace, directory: Path, results: Results) -> None:
    results.step = "daily loyalty job"
    results.loyalty = loyalty.measure(directory / "loyalty", args.members)


def _logins(args: argparse.Namespace, directory: Path, results: Results) -> None:
    results.step = "picking login candidates"
    codes = data.candidates(args.logins)
    if len(codes) < args.threads:
        raise RuntimeError(f"the seeded SoR has {len(codes)} active members to log in")
    logins = tuple(json.dumps({"program": p, "activationCode": c}) for p, c in codes)
    malformed = json.dumps({"program": codes[0][0], "activationCode": "12a45"})
    load = wrk.Load(connections=args.connections, threads=args.threads, seconds=args.seconds)
    results.step = "starting the host"
    with host.serving(directory, _host_options(args)) as served:

        def measure(scenario: wrk.Scenario, limit: wrk.Load = load) -> dict[str, Any]:
            results.step = scenario.name
            figures = _measure(served, scenario, limit)
            results.scenarios.append(figures)
            return figures

        warm_up = wrk.Scenario("warm-up", "", LOGIN, "POST", 400, (malformed,))
        _measure(served, warm_up, wrk.Load(args.connections, args.threads, WARM_UP_SECONDS))
        if args.scope == "pos":
            results.step = "first logins (not measured)"
            sessions.sign_in(served.base_url, logins, args.connections)
        else:
            _mobile(args, served, measure, codes, results)

        def profiled(scenario: wrk.Scenario) -> list[str]:
            results.step = f"{scenario.name} under py-spy"
            folded = directory / "profile-pos-redeem.txt"
            with attached(served.process.pid, folded):
                wrk.run(served.base_url, scenario, load)
            return summary(read_folded(folded))

        results.step = "POS"
        profile = None if args.no_profile or py_spy() is None else profiled
        results.extra["pos"] = pos_run.measure(args.seconds, measure, profile)
        results.peak_rss_mib["host"] = served.peak_rss_mib()
        results.host_warnings = served.warnings()
        results.step = "stopping the host"
    results.sqlite_bytes = data.sqlite_files(directory)
    if args.scope == "pos":
        return
    for name in OPTIONAL_MODULES:
        results.step = name
        results.extra.update(_optional_figures(name, directory))


def _host_options(args: argparse.Namespace) -> host.Options:
    return host.Options(processes=args.host_processes, threads=args.host_threads)


def _mobile(
    args: argparse.Namespace,
    served: host.HostProcess,
    measure: Callable[..., dict[str, Any]],
    codes: list[tuple[str, str]],
    results: Results,
) -> None:
    """The mobile scenarios: first and repeat logins, the refresh queue drained, dynamic
    vouchers, the cheapest paths."""
    logins = tuple(json.dumps({"program": p, "activationCode": c}) for p, c in codes)
    malformed = json.dumps({"program": codes[0][0], "activationCode": "12a45"})
    first = wrk.Scenario("first login", NOTES["first"], LOGIN, "POST", 200, logins, once=True)
    measure(first, wrk.Load(args.connections, args.threads, FIRST_LOGIN_LIMIT_SECONDS))
    results.step = "signing in for bearer tokens"
    # Right after the first logins: within the 60 s coalescing, so these queue no refresh.
    signed_in = sessions.sign_in(served.base_url, logins, args.connections)
    repeat = measure(wrk.Scenario("repeat login", NOTES["repeat"], LOGIN, "POST", 200, logins))
    results.step = "draining the refresh queue"
    results.login_refresh = _drain(backends().queue, repeat["expected"])
    results.login_refresh["refreshesRun"] = _login_refreshes(sorted({p for p, _ in codes}))
    measure(_dynamic_vouchers(signed_in))
    measure(wrk.Scenario("malformed code", NOTES["malformed"], LOGIN, "POST", 400, (malformed,)))
    measure(wrk.Scenario("openapi.json", NOTES["openapi"], OPENAPI, "GET", 200))


NOTES = {
    "first": "no document yet: the membership is built from the SoR, stored and indexed",
    "repeat": "the throttle's two counters taken in one write and given back in another, two "
    "reads of their previous pages, code-index and membership point reads; a refresh is queued "
    "only for a member not read from the SoR in the last 60 s (coalescing), so here none",
    "dynamic": "GET /api/mobile/vouchers/dynamic with a bearer token, the next of {members:,} "
    "members' (from their logins) each request; {holders:,} of them hold dynamic vouchers, "
    "{vouchers:,} in all",
    "malformed": "activationCode '12a45': refused by body validation, a 400 (cheapest path)",
    "openapi": "GET /api/openapi.json, the OpenAPI document of every route",
}


def _dynamic_vouchers(signed_in: list[sessions.Session]) -> wrk.Scenario:
    """GET the dynamic vouchers, each request with the next member's bearer token."""
    holders, vouchers = sessions.dynamic_vouchers_held(signed_in)
    note = NOTES["dynamic"].format(members=len(signed_in), holders=holders, vouchers=vouchers)
    tokens = tuple(session.authorization for session in signed_in)
    return wrk.Scenario(
        "dynamic vouchers", note, DYNAMIC_VOUCHERS, "GET", 200, tokens, header="Authorization"
    )


def _measure(served: host.HostProcess, scenario: wrk.Scenario, load: wrk.Load) -> dict[str, Any]:
    """wrk's figures for one scenario, with the host CPU time each request cost."""
    cpu_before = served.cpu_seconds()
    figures = wrk.run(served.base_url, scenario, load)
    cpu_ms = (served.cpu_seconds() - cpu_before) * 1000
    answered = figures["requests"]
    return {
        "name": scenario.name,
        "note": scenario.note,
        **figures,
        "hostCpuMsPerRequest": round(cpu_ms / answered, 3) if answered else float("nan"),
    }


def _login_refreshes(programs: list[str]) -> int:
    """Refreshes a login caused that the refresh log holds: built at first login or queued."""
    reason = [Where("reason", "=", "login")]
    store = backends().documents
    return sum(store.count(Container.REFRESH_LOG, program, where=reason) for program in programs)


def _drain(queue: MessageQueue, queued: int) -> dict[str, Any]:
    """Wait (bounded) until the host's poller has processed every queued refresh."""
    backlog = queue.count(MEMBERSHIP_REFRESH_QUEUE)
    started = time.monotonic()
    left = backlog
    while left and time.monotonic() < started + DRAIN_LIMIT_SECONDS:
        time.sleep(0.1)
        left = queue.count(MEMBERSHIP_REFRESH_QUEUE)
    return {
        "repeatLogins": queued,
        "backlogAtPhaseEnd": backlog,
        "left": left,
        "drainSeconds": round(time.monotonic() - started, 2),
        "poisoned": queue.count(poison_queue_name(MEMBERSHIP_REFRESH_QUEUE)),
    }


def _optional_figures(name: str, directory: Path) -> dict[str, Any]:
    """The figures of an optional bench module, {} when it is not there (yet)."""
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:
            raise
        return {}
    figures: dict[str, Any] = module.measure(directory)
    return {name.rsplit(".", 1)[-1]: figures}


if __name__ == "__main__":
    sys.exit(main())
