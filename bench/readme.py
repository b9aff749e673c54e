"""The README's figures are written by `make bench`, never typed: the blocks between the
markers in its Benchmarks section are replaced by the last complete run's."""

from __future__ import annotations

from pathlib import Path

LOGINS = "bench"
REFRESH = "bench-refresh"
LOYALTY = "bench-loyalty"
"""The blocks: logins and the host (`<!-- bench:start -->`), the refresh processor, the daily
loyalty job."""


def replace_block(readme: Path, block: str, name: str = LOGINS) -> None:
    """Put `block` between the markers of block `name`; ValueError when either is missing."""
    start_marker, end_marker = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = readme.read_text(encoding="utf-8")
    start, end = text.find(start_marker), text.find(end_marker)
    if start < 0 or end < start:
        raise ValueError(f"{readme} has no {start_marker} ... {end_marker} block to fill")
    updated = f"{text[: start + len(start_marker)]}\n{block.strip()}\n{text[end:]}"
    readme.write_text(updated, encoding="utf-8")
