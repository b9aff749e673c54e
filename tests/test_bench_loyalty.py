"""The daily loyalty job's bench (bench/loyalty.py): a small run of both sizes, its lines and
its README block, and the `loyalty` scope of `python -m bench`."""

from __future__ import annotations

import json
import os
from pathlib import Path

from bench import loyalty, readme
from tests.commands import run_module


def test_a_small_run_examines_only_the_memberships_due_at_both_sizes(tmp_path: Path) -> None:
    figures = loyalty.measure(tmp_path, members=1000)

    small, large = figures["small"], figures["large"]
    assert (small["members"], large["members"], large["ledgerEntries"]) == (100, 1000, 10_000)
    assert (small["examined"], large["examined"]) == (9, 90)  # 5% + 3% + 1% due
    assert large["kinds"] == {
        "points expiring": 50,
        "renewal reminder": 30,
        "tier lapsing": 10,
        "nothing due": 910,
    }
    totals = large["totals"]
    assert (totals["points_expired"], totals["entries_written"]) == (150, 50)
    assert (totals["tiers_expired"], totals["reminders_sent"], totals["failed"]) == (10, 30, 0)
    assert (figures["membersRatio"], figures["examinedRatio"]) == (10, 10)
    assert large["again"]["examined"] == 0  # safe to run twice: nothing is due any more
    lines = loyalty.lines(figures)
    assert lines[1].startswith("daily job over 1,000 memberships (10,000 ledger entries): ")
    same_work = figures["sameWork"]
    assert (same_work["members"], same_work["examined"]) == (1000, 9)
    assert same_work["kinds"]["nothing due"] == 1000 - 9
    assert lines[2].startswith("daily job over 1,000 memberships (the smaller run's work due)")
    assert "ratios large/small: memberships 10.0, examined 10.0, time " in lines[3]


def test_the_loyalty_block_of_the_readme_is_rewritten_alone(tmp_path: Path) -> None:
    page = tmp_path / "README.md"
    page.write_text(
        "<!-- bench-refresh:start -->\nrefresh\n<!-- bench-refresh:end -->\n"
        "<!-- bench-loyalty:start -->\nold\n<!-- bench-loyalty:end -->\n"
    )

    readme.replace_block(page, "new figures", readme.LOYALTY)

    assert page.read_text() == (
        "<!-- bench-refresh:start -->\nrefresh\n<!-- bench-refresh:end -->\n"
        "<!-- bench-loyalty:start -->\nnew figures\n<!-- bench-loyalty:end -->\n"
    )


def test_the_loyalty_scope_runs_the_job_alone_without_seeding_the_sor(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOSAIC_")}
    options = ("--members", "200", "--json", "--no-readme", "--keep", str(tmp_path / "run"))

    finished = run_module("bench", "loyalty", *options, env=env, timeout=120)

    assert finished.returncode == 0, finished.stderr[-2000:]
    report = json.loads(finished.stdout)
    assert (report["seed"], report["scenarios"], report["refresh"]) == (None, [], None)
    assert report["loyalty"]["large"]["members"] == 200
    assert not (tmp_path / "run" / "sor.sqlite").exists()
