"""Search index port: membership summaries, searchable by text and filterable."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from mosaic.domain.membership import MembershipSummary

FILTERABLE = ("status", "mode", "tier", "package")
FACETS = ("status", "mode", "tier")
NO_TIER = "none"
"""The tier facet's value for memberships without a tier; filtering on it finds them."""
MAX_PAGE_SIZE = 1000
MAX_SKIPPED = 100_000
"""Azure AI Search skips at most this many matches, so no index pages deeper: past it, the
search must be narrowed."""


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
        """Summaries of one program matching every word of `text` (prefixes count; words as
        `mosaic.domain.member_search` defines them) across name, email, phone, card number,
        membership number and activation code, and every filter (keys of FILTERABLE; `package`
        is the package code, tier "none" the memberships without a tier), ordered by member
        name. A ValueError names a page out of range or a key that is not filterable."""
        ...


def check_search(filters: Mapping[str, str], page: int, page_size: int) -> int:
    """Refuses what no index answers; returns how many matches come before the page."""
    for key in filters:
        if key not in FILTERABLE:
            raise ValueError(f"cannot filter on {key!r}; filterable: {', '.join(FILTERABLE)}")
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page must be >= 1 and page_size 1-{MAX_PAGE_SIZE}")
    skipped = (page - 1) * page_size
    if skipped > MAX_SKIPPED:
        raise ValueError(f"page starts past match {MAX_SKIPPED}: narrow the search instead")
    return skipped
