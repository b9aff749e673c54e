"""The Azure AI Search index of membership summaries: one table of fields, from which both the
index definition and the documents written to it are made.

A document is the summary's own fields (camelCase, as the summary serializes), flattened where
the index needs one value per field (`package` is the package code, `packageName` its name),
and three fields only search uses: the key, the member name folded for sorting, and the words
of `mosaic.domain.member_search`, split on spaces alone (the `whitespace` analyzer) so the
service matches exactly the words the embedded index matches. A missing tier is stored as
"none", so the service counts it in the tier facet and a filter on "none" finds it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from azure.search.documents.indexes.models import SearchField, SearchIndex

from mosaic.domain.member_search import summary_words
from mosaic.domain.membership import MembershipSummary
from mosaic.ports.search import NO_TIER

KEY = "id"
WORDS = "words"
SORT_NAME = "sortName"
SORT_NAME_LENGTH = 256
"""A sortable field is indexed as one term of at most 32,766 UTF-8 bytes; a name longer than
this sorts by its first characters, and is never refused."""


@dataclass(frozen=True)
class IndexField:
    name: str
    type: str = "Edm.String"
    key: bool = False
    searchable: bool = False
    filterable: bool = False
    sortable: bool = False
    facetable: bool = False
    retrievable: bool = True
    analyzer: str | None = None

    def definition(self) -> SearchField:
        # Every attribute stated: the service defaults an omitted one to true.
        return SearchField(
            name=self.name,
            type=self.type,
            key=self.key,
            searchable=self.searchable,
            filterable=self.filterable,
            sortable=self.sortable,
            facetable=self.facetable,
            retrievable=self.retrievable,
            analyzer_name=self.analyzer,
        )


def _filter(name: str) -> IndexField:
    return IndexField(name, filterable=True, facetable=True)


FIELDS = (
    IndexField(KEY, key=True),
    IndexField("program", filterable=True),
    IndexField("membershipNumber", sortable=True),
    _filter("mode"),
    IndexField("memberName"),
    IndexField("email"),
    IndexField("phone"),
    IndexField("cardNumber"),
    IndexField("activationCode"),
    _filter("package"),
    IndexField("packageName"),
    _filter("status"),
    IndexField("startsOn"),
    IndexField("expiresOn"),
    _filter("tier"),
    IndexField("tierImage"),
    IndexField("points", type="Edm.Int64"),
    # A string, not Edm.DateTimeOffset: the service would answer it in UTC, and the summary
    # shows it in the program's timezone (23:59:59 local).
    IndexField("nextExpiry"),
    IndexField("expiringSoon", type="Edm.Int64"),
    IndexField(SORT_NAME, sortable=True, retrievable=False),
    IndexField(WORDS, searchable=True, retrievable=False, analyzer="whitespace"),
)
SUMMARY_FIELDS = [field.name for field in FIELDS if field.retrievable and field.name != KEY]


def index_definition(name: str) -> SearchIndex:
    return SearchIndex(name=name, fields=[field.definition() for field in FIELDS])


def document_key(program: str, membership_number: str) -> str:
    """Keys allow only letters, digits, "_", "-" and "=": URL-safe base64 of both parts."""
    return base64.urlsafe_b64encode(f"{program}/{membership_number}".encode()).decode()


def to_document(summary: MembershipSummary) -> dict[str, Any]:
    values = summary.model_dump(mode="json", by_alias=True)
    package = values.pop("package")
    values.update(
        {
            KEY: document_key(summary.program, summary.membership_number),
            "package": package["code"],
            "packageName": package["name"],
            "tier": summary.tier or NO_TIER,
            SORT_NAME: summary.member_name.casefold()[:SORT_NAME_LENGTH],
            WORDS: " ".join(summary_words(summary)),
        }
    )
    return {field.name: values[field.name] for field in FIELDS}


def to_summary(document: dict[str, Any]) -> MembershipSummary:
    values = {name: document.get(name) for name in SUMMARY_FIELDS}
    values["package"] = {"code": values.pop("package"), "name": values.pop("packageName")}
    if values["tier"] == NO_TIER:
        values["tier"] = None
    return MembershipSummary.model_validate(values)
