"""Read-decide-write on the document store, conditional on the read's etag."""

from __future__ import annotations

from collections.abc import Callable

from mosaic.domain.errors import ConcurrentUpdate
from mosaic.ports.documents import (
    Container,
    DocumentAlreadyExists,
    DocumentNotFound,
    DocumentStore,
    JsonDocument,
    StaleDocument,
    StoredDocument,
)

ATTEMPTS = 8


def read_or_none(
    store: DocumentStore, container: Container, program: str, id: str
) -> StoredDocument | None:
    try:
        return store.read(container, program, id)
    except DocumentNotFound:
        return None


def update_with_retries(
    store: DocumentStore,
    container: Container,
    program: str,
    id: str,
    decide: Callable[[StoredDocument | None], JsonDocument | None],
) -> StoredDocument | None:
    """Read the document, let `decide` return its new body (None: write nothing), write it
    conditionally; on a conflict read again and decide again, at most ATTEMPTS times."""
    for _ in range(ATTEMPTS):
        current = read_or_none(store, container, program, id)
        body = decide(current)
        if body is None:
            return current
        try:
            if current is None:
                return store.create(container, body)
            return store.replace(container, body, if_match=current.etag)
        except (StaleDocument, DocumentAlreadyExists, DocumentNotFound):
            continue
    raise ConcurrentUpdate(f"{container.value}/{program}/{id} kept changing; try again")
