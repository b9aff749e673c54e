"""What a run found so far: one JSON object, a readable table, and the README's block."""

from __future__ import annotations

import contextlib
import os
import platform
import resource
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import loyalty, refresh_report

MIB = 1024 * 1024


def peak_rss_mib() -> float:
    """This process's peak resident set size so far: VmHWM on Linux (ru_maxrss of a process
    started by another keeps the starter's size from before the exec), else ru_maxrss (KiB on
    Linux, bytes on macOS)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (MIB if sys.platform == "darwin" else 1024), 1)


@dataclass
class Results:
    options: dict[str, Any]
    data_dir: str = ""
    outcome: str = "running"  # complete | failed
    step: str = "starting"
    error: str | None = None
    seed: dict[str, Any] | None = None
    scenarios: list[dict[str, Any]] = field(default_factory=list)
    login_refresh: dict[str, Any] | None = None
    refresh: dict[str, Any] | None = None
    """The refresh processor's figures (bench/refresh.py)."""
    loyalty: dict[str, Any] | None = None
    """The daily loyalty job's figures (bench/loyalty.py)."""
    peak_rss_mib: dict[str, float] = field(default_factory=dict)
    sqlite_bytes: dict[str, int] | None = None
    host_warnings: dict[str, Any] | None = None
    run_seconds: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    """Figures of the optional bench modules (bench/documents.py), by module name."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "stoppedAt": None if self.outcome == "complete" else self.step,
            "error": self.error,
            "date": datetime.now(UTC).date().isoformat(),
            "options": self.options,
            "environment": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "note": "the host is a subprocess; wrk, the load, is another",
            },
            "dataDir": self.data_dir,
            "runSeconds": self.run_seconds,
            "seed": self.seed,
            "scenarios": self.scenarios,
            "refreshQueue": self.login_refresh,
            "refresh": self.refresh,
            "loyalty": self.loyalty,
            "peakRssMiB": self.peak_rss_mib,
            "sqliteBytes": self.sqlite_bytes,
            "hostWarnings": self.host_warnings,
            "extra": self.extra,
        }


def table(report: dict[str, Any]) -> str:
    """The report for a terminal."""
    lines = [headline(report), f"data dir: {report['dataDir']}", ""]
    lines += _summary_lines(report)
    lines.append("")
    if report["scenarios"]:
        lines += _scenario_table(report["scenarios"])
    for scenario in report["scenarios"]:
        lines.append(f"  {scenario['name']}: {scenario['note']}")
        for status, n in scenario["unexpected"].items():
            lines.append(f"    unexpected HTTP {status}: {n}")
        for kind, n in scenario["socketErrors"].items():
            if n:
                lines.append(f"    socket {kind} errors: {n}")
    warnings = report["hostWarnings"]
    if warnings is not None:
        counts = ", ".join(f"{level} {n}" for level, n in warnings["counts"].items())
        lines.append(f"host log warnings: {counts or 'none'}")
        lines += [f"  {line}" for line in warnings["first"]]
    for name, figures in report["extra"].items():
        lines.append(f"{name}:")
        lines += [f"  {what}: {figure}" for what, figure in _pairs(figures)]
    if report["refresh"] is not None:
        lines.append("refresh processor:")
        lines += [f"  {line}" for line in refresh_report.lines(report["refresh"])]
    if report["loyalty"] is not None:
        lines.append("daily loyalty job:")
        lines += [f"  {line}" for line in loyalty.lines(report["loyalty"])]
    lines.append(f"outcome: {report['outcome']}")
    if report["outcome"] != "complete":
        lines.append(f"  stopped during: {report['stoppedAt']}; {report['error'] or ''}")
    return "\n".join(lines)


def markdown(report: dict[str, Any]) -> str:
    """The block `make bench` writes into README.md, between the bench markers."""
    lines = [f"Last run: {headline(report)}.", ""]
    lines += _scenario_table(report["scenarios"], markdown=True)
    lines += [f"- {line}" for line in _summary_lines(report)]
    for name, figures in report["extra"].items():
        lines.append(f"- {name}:")
        lines += [f"  - {what}: {figure}" for what, figure in _pairs(figures)]
    return "\n".join(lines)


def _pairs(figures: Any) -> list[tuple[str, str]]:
    """An optional module's figures: (what, figure) pairs, or one line of whatever it is."""
    if isinstance(figures, dict):
        return [(str(what), _figure(figure)) for what, figure in figures.items()]
    return [("figures", str(figures))]


def _figure(figure: Any) -> str:
    """A figure as a line: a list of lines (a profile's) joined with semicolons."""
    return "; ".join(map(str, figure)) if isinstance(figure, list) else str(figure)


def headline(report: dict[str, Any], *, short: bool = False) -> str:
    """When, where and how much; `short`: without the load's options (the refresh block)."""
    options, env = report["options"], report["environment"]
    seconds = report["runSeconds"]
    run = f"; the whole run took {seconds / 60:.1f} min" if seconds else ""
    if short or options["scope"] in ("refresh", "loyalty"):
        return (
            f"{report['date']}, {env['cpus']} cores, Python {env['python']}, "
            f"{options['members']:,} members seeded{run}"
        )
    return (
        f"{report['date']}, {env['cpus']} cores, Python {env['python']}, "
        f"{options['members']:,} members seeded; wrk with {options['connections']} connections "
        f"({options['threads']} thread{'s' if options['threads'] != 1 else ''}), "
        f"{options['seconds']:g} s per scenario; {env['note']}{_host(options)}{run}"
    )


def _host(options: dict[str, Any]) -> str:
    described = options.get("host")
    return f" ({described})" if described else ""


def _summary_lines(report: dict[str, Any]) -> list[str]:
    lines = []
    seed = report["seed"]
    if seed is not None:
        lines.append(
            f"seed: {seed['members']:,} members, {seed['rows']:,} rows in "
            f"{seed['seconds']:.1f} s ({seed['rowsPerSecond']:,.0f} rows/s)"
        )
    refresh = report["refreshQueue"]
    if refresh is not None:
        lines.append(
            f"refreshes: {refresh['refreshesRun']:,} logged for the first and "
            f"{refresh['repeatLogins']:,} repeat logins (a refresh is coalesced within 60 s); "
            f"{refresh['backlogAtPhaseEnd']:,} waiting when they ended, {refresh['left']:,} left "
            f"after {refresh['drainSeconds']:.1f} s of draining, {refresh['poisoned']} poisoned"
        )
    rss = ", ".join(f"{where} {mib:.0f}" for where, mib in report["peakRssMiB"].items())
    if rss:
        lines.append(f"peak RSS (MiB): {rss}")
    files = report["sqliteBytes"]
    if files:
        lines.append(f"SQLite files (MiB, main + WAL): {_file_sizes(files)}")
    return lines


COLUMNS = (
    *("scenario", "requests", "errors", "req/s"),
    *("p50 ms", "p90 ms", "p99 ms", "max ms", "host CPU ms/req"),
)


def _scenario_table(scenarios: list[dict[str, Any]], *, markdown: bool = False) -> list[str]:
    rows = [COLUMNS]
    for scenario in scenarios:
        latency = {key: us / 1000 for key, us in scenario["latencyUs"].items()}
        rows.append(
            (
                scenario["name"],
                f"{scenario['requests']:,}",
                f"{scenario['errors']:,}",
                f"{scenario['reqPerSecond'] or 0:,.0f}",
                *(f"{latency[key]:.1f}" for key in ("p50", "p90", "p99", "max")),
                f"{scenario['hostCpuMsPerRequest']:.2f}",
            )
        )
    if markdown:
        lines = ["| " + " | ".join(row) + " |" for row in rows]
        lines.insert(1, "|---" * len(COLUMNS) + "|")
        return [*lines, ""]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    return [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ] + [""]


def _file_sizes(files: dict[str, int]) -> str:
    """`documents.sqlite 1.3 + 3.9` per database; shared-memory files left out."""
    shown = []
    for name, size in files.items():
        if name.endswith(".sqlite"):
            wal = files.get(f"{name}-wal", 0)
            shown.append(f"{name} {size / MIB:.1f} + {wal / MIB:.1f}")
    return ", ".join(shown)
