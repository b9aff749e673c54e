"""Membership search on Azure AI Search (azure-search-documents).

The index is created or updated from `search_schema` on first use. A search sends the query's
words (`mosaic.domain.member_search`) as escaped prefix terms in the simple syntax, all required
(`searchMode=all`), over the `words` field only; the program and the filters as an OData filter;
the order by the folded member name, then membership number; and asks in the same request for
the total count and the status, mode and tier facets over every match.
"""

from __future__ import annotations

import base64
import binascii
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol, cast

from azure.core.credentials import AzureKeyCredential, TokenCredential
from azure.search.documents import SearchClient
from azure.search.documents.indexes import SearchIndexClient
from azure.search.documents.models import IndexingResult

from mosaic.adapters.azure.search_schema import (
    KEY,
    SORT_NAME,
    SUMMARY_FIELDS,
    WORDS,
    document_key,
    index_definition,
    to_document,
    to_summary,
)
from mosaic.domain.member_search import words
from mosaic.domain.membership import MembershipSummary
from mosaic.ports.search import FACETS, SearchPage, check_search

MAX_BATCH = 1000
"""The service takes at most 1,000 documents per indexing request."""
FACET_VALUES = 100
"""Buckets asked per facet: more than there are statuses, modes or tiers."""
_QUERY_SPECIAL = frozenset('+-&|!(){}[]^"~*?:\\/')


class IndexingFailed(RuntimeError):
    """The service refused some documents of a batch (the others were written)."""


class _FirstPage(Protocol):
    """What the SDK's page iterator tells about the response it fetched."""

    def __next__(self) -> Iterator[dict[str, Any]]: ...

    def get_count(self) -> int | None: ...

    def get_facets(self) -> dict[str, list[dict[str, Any]]] | None: ...


class AzureSearchIndex:
    def __init__(
        self,
        endpoint: str,
        credential: AzureKeyCredential | TokenCredential,
        index_name: str,
        *,
        manage_index: bool = True,
    ) -> None:
        """`manage_index=False` leaves the index to the deployment (an identity holding only
        the Search Index Data Contributor role cannot create it)."""
        self._name = index_name
        self._documents = SearchClient(endpoint, index_name, credential)
        self._indexes = SearchIndexClient(endpoint, credential)
        self._ready = not manage_index
        self._lock = threading.Lock()

    def close(self) -> None:
        self._documents.close()
        self._indexes.close()

    def ensure_index(self) -> None:
        """Creates the index, or adds the fields it lacks; the service refuses to change an
        existing field, which then needs a new index."""
        self._indexes.create_or_update_index(index_definition(self._name))

    def _ensure_once(self) -> None:
        if self._ready:
            return
        with self._lock:
            if not self._ready:
                self.ensure_index()
                self._ready = True

    def upsert(self, summaries: Sequence[MembershipSummary]) -> None:
        self._ensure_once()
        documents = [to_document(summary) for summary in summaries]
        for start in range(0, len(documents), MAX_BATCH):
            batch = documents[start : start + MAX_BATCH]
            _raise_failures(self._documents.merge_or_upload_documents(batch))

    def delete(self, program: str, membership_number: str) -> None:
        self._ensure_once()
        key = document_key(program, membership_number)
        _raise_failures(self._documents.delete_documents([{KEY: key}]))

    def search(
        self,
        program: str,
        text: str | None,
        *,
        filters: Mapping[str, str] | None = None,
        page: int = 1,
        page_size: int = 20,
    ) -> SearchPage:
        skipped = check_search(filters or {}, page, page_size)
        self._ensure_once()
        results = self._documents.search(
            search_text=query_text(text),
            search_mode="all",
            query_type="simple",
            search_fields=[WORDS],
            filter=filter_expression(program, filters or {}),
            order_by=[f"{SORT_NAME} asc", "membershipNumber asc"],
            facets=[f"{facet},count:{FACET_VALUES}" for facet in FACETS],
            include_total_count=True,
            select=SUMMARY_FIELDS,
            skip=skipped,
            top=page_size,
        )
        # One request: the page iterator keeps the response its first page came in, whose
        # count and facets it then reads (SearchItemPaged.get_count() would search again).
        first = cast(_FirstPage, results.by_page())
        items = [to_summary(document) for document in next(first)]
        facets = first.get_facets() or {}
        return SearchPage(
            items=items,
            total=first.get_count() or 0,
            page=page,
            page_size=page_size,
            facets={
                facet: {
                    str(bucket["value"]): int(bucket["count"]) for bucket in facets.get(facet, [])
                }
                for facet in FACETS
            },
        )


def query_text(text: str | None) -> str | None:
    """Every word as a prefix term, its simple-syntax characters escaped; None matches all."""
    terms = [
        "".join(f"\\{c}" if c in _QUERY_SPECIAL else c for c in word) + "*" for word in words(text)
    ]
    return " ".join(terms) or None


def filter_expression(program: str, filters: Mapping[str, str]) -> str:
    """`program eq '...'` and each filter; a quote inside a literal is doubled."""
    conditions = {"program": program, **filters}
    return " and ".join(f"{name} eq {_literal(value)}" for name, value in conditions.items())


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _raise_failures(results: list[IndexingResult]) -> None:
    failed = [result for result in results if not result.succeeded]
    if failed:
        details = "; ".join(
            f"{_membership(result.key)}: {result.status_code} {result.error_message}"
            for result in failed
        )
        raise IndexingFailed(f"{len(failed)} of {len(results)} documents refused: {details}")


def _membership(key: str) -> str:
    """The "program/membership number" a document key encodes."""
    try:
        return base64.urlsafe_b64decode(key).decode()
    except (binascii.Error, UnicodeDecodeError):
        return key
