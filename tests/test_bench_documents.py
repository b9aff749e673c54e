from pathlib import Path

from bench.documents import figures


def test_the_document_benchmark_runs_on_a_small_store(tmp_path: Path) -> None:
    lines = dict(figures(tmp_path, 50, read_seconds=0.05))

    assert "count of 40 matches" in lines
    assert lines["iterate all 40 matches, pages of 100"].endswith(" s")
