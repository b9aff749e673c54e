"""The refresh processor's figures (bench/refresh.py) as lines: for a terminal and for the
README's refresh block. Where a target is missed, the profile of that step says where the
time went; the import's profile (the first build of a membership) is always shown."""

from __future__ import annotations

from typing import Any


def _mib(rss: dict[str, float]) -> str:
    return ", ".join(f"{where} {mib:.0f}" for where, mib in rss.items())


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def _outcomes(drain: dict[str, Any]) -> str:
    counts = ", ".join(f"{what} {n:,}" for what, n in sorted(drain["outcomes"].items()))
    return f"{counts or 'none'}; {drain['left']:,} left, {drain['poisoned']:,} poisoned"


def _profile(name: str, figures: dict[str, Any]) -> list[str]:
    profile = figures.get("profile") or figures.get("drain", {}).get("profile")
    if not profile:
        return []
    return [f"  profile of {name} (py-spy): {profile[0]}", *(f"    {line}" for line in profile[1:])]


def lines(refresh: dict[str, Any]) -> list[str]:
    """One line per scenario (with its target), peak RSS, and the profiles that explain a
    missed target."""
    targets = refresh["targets"]
    program, imported = refresh["programRefresh"], refresh["import"]
    sizes = refresh["documentSizes"]
    queued, update = refresh["queueRefresh"], refresh["hourlyUpdate"]
    program_met = program["largestSeconds"] < targets["programRefreshSeconds"]
    queued_met = (queued["perSecond"] or 0) >= targets["queueRefreshPerSecond"]
    update_met = update["seconds"] < targets["updateSeconds"]
    sizes_met = sizes.get("p99", 0) < targets["documentP99Bytes"]
    out = [
        f"program refresh of {program['program']} ({program['members']:,} members): "
        f"{program['largestSeconds']:.2f} s (target < {targets['programRefreshSeconds']} s: "
        f"{_verdict(program_met)}); peak RSS {program['peakRssMiB']:.0f} MiB",
        f"import of {imported['memberships']:,} memberships: {imported['seconds']:.1f} s end to "
        f"end, {imported['perSecond']:,.0f} memberships/s (queued in "
        f"{imported['queueSeconds']:.1f} s, drained in {imported['drain']['seconds']:.1f} s at "
        f"{imported['drain']['cpuSeconds'] * 1000 / max(1, imported['drain']['processed']):.1f}"
        f" ms CPU each); job {'finished' if imported['finished'] else 'NOT finished'}: "
        f"{_outcomes(imported['drain'])}; peak RSS (MiB) {_mib(imported['peakRssMiB'])}",
        f"membership documents: {sizes['documents']:,}, p50 {sizes.get('p50', 0):,.0f} B, "
        f"p99 {sizes.get('p99', 0):,.0f} B, max {sizes.get('max', 0):,} B (target p99 < "
        f"{targets['documentP99Bytes'] // 1024} KB: {_verdict(sizes_met)})",
        f"queued refresh of {queued['messages']:,} existing memberships: "
        f"{queued['perSecond'] or 0:,.0f} memberships/s, {queued['cpuMsPerMessage']} ms CPU each "
        f"(target >= {targets['queueRefreshPerSecond']}/s: {_verdict(queued_met)}); drained in "
        f"{queued['drain']['seconds']:.1f} s: {_outcomes(queued['drain'])}; peak RSS (MiB) "
        f"{_mib(queued['peakRssMiB'])}",
        f"hourly update with {update['touched']:,} memberships changed in the SoR: "
        f"{update['seconds']:.1f} s ({update['queued']:,} queued in {update['updateSeconds']:.2f}"
        f" s, drained in {update['drain']['seconds']:.1f} s; target < {targets['updateSeconds']}"
        f" s: {_verdict(update_met)}); {_outcomes(update['drain'])}; the run before, which set "
        f"the watermarks, queued {update['baselineQueued']:,}; peak RSS (MiB) "
        f"{_mib(update['peakRssMiB'])}",
    ]
    out += _profile("the import's drain", imported)
    if not queued_met:
        out += _profile("the queued refresh's drain", queued)
    if not update_met:
        out += _profile("the update's drain", update)
    if not program_met:
        out += _profile("the program refresh", program)
    return out


def markdown(refresh: dict[str, Any], headline: str) -> str:
    """The README's refresh block."""
    body = []
    for line in lines(refresh):
        depth = (len(line) - len(line.lstrip(" "))) // 2
        body.append(f"{'  ' * depth}- {line.strip()}")
    return "\n".join([f"Last run: {headline}.", "", *body])
