"""The README's figures are written by `make bench`, never typed: the block between the markers
in its Benchmarks section is replaced by the last complete run's."""

from __future__ import annotations

from pathlib import Path

START = "<!-- bench:start -->"
END = "<!-- bench:end -->"


def replace_block(readme: Path, block: str) -> None:
    """Put `block` between the markers; ValueError when either marker is missing."""
    text = readme.read_text(encoding="utf-8")
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"{readme} has no {START} ... {END} block to fill")
    updated = f"{text[: start + len(START)]}\n{block.strip()}\n{text[end:]}"
    readme.write_text(updated, encoding="utf-8")
