"""What a run found so far, as one JSON object or as a readable table."""

from __future__ import annotations

import os
import resource
import sys
from dataclasses import dataclass, field
from typing import Any

from bench.host import WarningCounter
from bench.load import Phase

MIB = 1024 * 1024


def peak_rss_mib() -> float:
    """This process's peak resident set size so far (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (MIB if sys.platform == "darwin" else 1024), 1)


@dataclass
class Results:
    options: dict[str, Any]
    warnings: WarningCounter
    data_dir: str = ""
    outcome: str = "running"  # complete | failed | deadline
    step: str = "starting"
    error: str | None = None
    seed: dict[str, Any] | None = None
    phases: list[Phase] = field(default_factory=list)
    refresh: dict[str, Any] | None = None
    peak_rss_mib: dict[str, float] = field(default_factory=dict)
    sqlite_bytes: dict[str, int] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "stoppedAt": None if self.outcome == "complete" else self.step,
            "error": self.error,
            "options": self.options,
            "environment": {
                "cpus": os.cpu_count(),
                "python": sys.version.split()[0],
                "note": "client threads and the host run in one process and share its GIL",
            },
            "dataDir": self.data_dir,
            "seed": self.seed,
            "phases": [phase.summary() for phase in self.phases],
            "refreshQueue": self.refresh,
            "peakRssMiB": self.peak_rss_mib | {"now": peak_rss_mib()},
            "sqliteBytes": self.sqlite_bytes,
            "warningsLogged": self.warnings.summary(),
        }


def table(report: dict[str, Any]) -> str:
    options, env = report["options"], report["environment"]
    lines = [
        f"Mosaic benchmark: {options['members']} members, {options['logins']} logins, "
        f"{options['concurrency']} client threads; {env['cpus']} CPUs, Python {env['python']}",
        f"  ({env['note']})",
        f"data dir: {report['dataDir']}",
        "",
    ]
    seed = report["seed"]
    if seed is not None:
        lines.append(
            f"seed: {seed['members']} members, {seed['rows']} rows in {seed['seconds']:.1f} s "
            f"({seed['rowsPerSecond']:.0f} rows/s)"
        )
        lines.append("")
    if report["phases"]:
        lines += _phase_rows(report["phases"])
    refresh = report["refreshQueue"]
    if refresh is not None:
        lines.append(
            f"refresh queue: {refresh['queued']} queued by repeat logins, "
            f"{refresh['backlogAtPhaseEnd']} still waiting when the phase ended, "
            f"{refresh['left']} left after {refresh['drainSeconds']:.1f} s of draining, "
            f"{refresh['poisoned']} poisoned"
        )
        if refresh["left"]:
            lines.append("  (the drain stopped at its limit: later phases ran beside the poller)")
    rss = ", ".join(f"{where} {mib:.1f}" for where, mib in report["peakRssMiB"].items())
    lines.append(f"peak RSS (MiB): {rss}")
    files = report["sqliteBytes"]
    if files is not None:
        lines.append(f"SQLite files (MiB, main + WAL): {_file_sizes(files)}")
    logged = report["warningsLogged"]
    counts = ", ".join(f"{level} {n}" for level, n in logged["counts"].items()) or "none"
    lines.append(f"warnings logged: {counts}")
    lines += [f"  {message}" for message in logged["first"]]
    lines.append(f"outcome: {report['outcome']}")
    if report["outcome"] != "complete":
        lines.append(f"  stopped during: {report['stoppedAt']}; {report['error'] or ''}")
    return "\n".join(lines)


def _phase_rows(phases: list[dict[str, Any]]) -> list[str]:
    header = f"{'phase':<28}{'count':>7}{'errors':>8}{'req/s':>9}"
    header += "".join(f"{name:>9}" for name in ("p50", "p95", "p99", "max")) + "  (ms)"
    lines = [header]
    for phase in phases:
        latency = phase["latencyMs"] or {}
        row = f"{phase['name']:<28}{phase['count']:>7}{phase['errors']:>8}"
        row += f"{phase['reqPerSecond'] or 0:>9.1f}"
        row += "".join(f"{latency.get(k, float('nan')):>9.1f}" for k in ("p50", "p95", "p99"))
        row += f"{latency.get('max', float('nan')):>9.1f}"
        if not phase["complete"]:
            row += f"  (partial: {phase['count']} of {phase['planned']})"
        lines.append(row)
    lines.append("")
    for phase in phases:
        lines.append(f"  {phase['name']}: {phase['note']}")
        for error, n in phase["errorsBy"].items():
            lines.append(f"    error {error}: {n}")
    lines.append("  latencies are of the requests answered as expected, timed by the client")
    lines.append("")
    return lines


def _file_sizes(files: dict[str, int]) -> str:
    """`documents.sqlite 1.3 + 3.9` per database; shared-memory files left out."""
    shown = []
    for name, size in files.items():
        if name.endswith(".sqlite"):
            wal = files.get(f"{name}-wal", 0)
            shown.append(f"{name} {size / MIB:.1f} + {wal / MIB:.1f}")
    return ", ".join(shown)
