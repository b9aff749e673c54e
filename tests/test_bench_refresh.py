"""The refresh processor's bench (bench/refresh.py): its profile summary, its README block and
one small run of every step."""

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench import data, readme, refresh_report
from bench.profile import read_folded, summary
from bench.refresh import Options, measure
from mosaic import bootstrap
from mosaic.demo.seed import seed_demo
from mosaic.settings import get_settings

WORKER = "Thread._bootstrap (threading.py);WorkerPool._work (mosaic/localhost/workers.py)"
REFRESH = (
    f"{WORKER};membership_refresh (mosaic/functions/jobs.py);_refresh (mosaic/services/refresh.py)"
)
SOR_READ = "membership_record (mosaic/adapters/sor/sql.py);execute (sqlalchemy/engine/base.py)"


def test_the_profile_names_the_calls_where_the_time_splits_and_leaves_out_waiting(
    tmp_path: Path,
) -> None:
    folded = tmp_path / "profile.txt"
    folded.write_text(
        f"{REFRESH};{SOR_READ} 60\n"
        f"{REFRESH};update_with_retries (mosaic/services/documents.py);loads (json/decoder.py) 30\n"
        f"{REFRESH};log_refresh (mosaic/services/refresh_log.py) 10\n"
        f"{WORKER} 500\n"
        "<module> (bench/work.py);_find_and_load (<frozen importlib._bootstrap>) 70\n"
    )

    lines = summary(read_folded(folded))

    assert lines[0] == (
        "100 samples; refresh._refresh 100%: sql.membership_record 60%, "
        "documents.update_with_retries 30%, refresh_log.log_refresh 10%"
    )
    assert lines[-1] == "innermost frames: sqlalchemy 60%, json 30%, mosaic/services 10%"


def test_the_processes_of_one_recording_are_merged(tmp_path: Path) -> None:
    folded = tmp_path / "profile.txt"
    folded.write_text(
        f'process 11:"python -m mosaic serve --processes 2";{REFRESH};{SOR_READ} 30\n'
        f'process 11:"python -m mosaic serve";process 12:"python -m mosaic serve --listen-fd 9";'
        f"{REFRESH};{SOR_READ} 30\n"
        f'process 11:"python -m mosaic serve";process 12:"python -m mosaic serve --listen-fd 9";'
        f"{REFRESH};loads (json/decoder.py) 40\n"
        'process 12:"python -m mosaic serve --listen-fd 9" 3\n'  # a sample of no Python frame
    )

    lines = summary(read_folded(folded))

    assert (
        lines[0]
        == "100 samples; refresh._refresh 100%: sql.membership_record 60%, decoder.loads 40%"
    )


def test_the_refresh_block_of_the_readme_is_rewritten_alone(tmp_path: Path) -> None:
    page = tmp_path / "README.md"
    page.write_text(
        "<!-- bench:start -->\nlogins\n<!-- bench:end -->\n"
        "<!-- bench-refresh:start -->\nold\n<!-- bench-refresh:end -->\n"
    )

    readme.replace_block(page, "new figures", readme.REFRESH)

    assert page.read_text() == (
        "<!-- bench:start -->\nlogins\n<!-- bench:end -->\n"
        "<!-- bench-refresh:start -->\nnew figures\n<!-- bench-refresh:end -->\n"
    )


@pytest.fixture
def environment() -> Iterator[None]:
    """bench/data.py rewrites the MOSAIC_* variables: they are put back after the test."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)
    get_settings.cache_clear()
    bootstrap.backends.cache_clear()


def test_every_refresh_step_runs_on_a_small_sor(tmp_path: Path, environment: None) -> None:
    data.configure(tmp_path)
    engine = bootstrap.sor_engine(get_settings())
    seed_demo(engine, members=120, seed=7, today=datetime.now(UTC).date())
    engine.dispose()

    figures = measure(
        tmp_path / "refresh", tmp_path / "sor.sqlite", Options(members=120, messages=30)
    )

    imported = figures["import"]
    assert (imported["memberships"], imported["finished"]) == (120, True)
    assert figures["documentSizes"]["documents"] == 120
    assert figures["queueRefresh"]["drain"]["outcomes"] == {"ok": 30}
    update = figures["hourlyUpdate"]
    assert update["touched"] == 1
    assert update["queued"] >= 1  # and any seeded row stamped since the run before
    assert update["drain"]["left"] == update["drain"]["poisoned"] == 0
    assert figures["queueRefresh"]["drain"]["profile"][0].endswith("%")
    assert refresh_report.lines(figures)[0].startswith("program refresh of SIAM (60 members): ")
