from pathlib import Path

from bench.documents import figures


def test_the_document_benchmark_runs_on_a_small_store(tmp_path: Path) -> None:
    lines = dict(figures(tmp_path, 50, read_seconds=0.05))

    assert "count of 40 matches" in lines
    assert lines["iterate all 40 matches, pages of 100"].endswith(" s")


def test_make_bench_takes_the_document_figures_and_cleans_up(tmp_path: Path) -> None:
    from bench.documents import measure

    figures = measure(tmp_path, 50)

    assert "count of 40 matches" in figures
    assert list(tmp_path.iterdir()) == []
