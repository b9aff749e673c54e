"""Search index port: membership summaries, searchable by text and filterable."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from mosaic.domain.membership import MembershipSummary

FILTERABLE = ("status", "mode", "tier", "package")


@dataclass(frozen=True)
class SearchPage:
    items: list[MembershipSummary]
    total: int
    page: int
    page_size: int


class SearchIndex(Protocol):
    def upsert(self, summaries: Sequence[MembershipSummary]) -> None: ...

    def delete(self, program: str, membership_number: str) -> None: ...

    def search(
        self,
        program: str,
        text: str | None,
        *,
        filters: Mapping[str, str] | None = None,
        page: int = 1,
        page_size: int = 20,
    ) -> SearchPage:
        """Summaries of one program matching every word of `text` (prefixes count) across
        name, email, phone, card number and membership number, and every filter
        (keys of FILTERABLE; `package` is the package code), ordered by member name."""
        ...
