"""Search index port: membership summaries, searchable by text and filterable."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from mosaic.domain.membership import MembershipSummary

FILTERABLE = ("status", "mode", "tier", "package")
FACETS = ("status", "mode", "tier")


@dataclass(frozen=True)
class SearchPage:
    items: list[MembershipSummary]
    total: int
    page: int
    page_size: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per facet of FACETS, how many matches have each value (a missing tier counts as
    "none"), over every match, not only this page, as Azure AI Search counts them."""


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
        name, email, phone, card number, membership number and activation code, and every filter
        (keys of FILTERABLE; `package` is the package code), ordered by member name."""
        ...
