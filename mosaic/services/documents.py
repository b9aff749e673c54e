"""Read-decide-write on the document store, conditional on the read's etag."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from mosaic.domain.errors import ConcurrentUpdate, DocumentFromNewerSchema
from mosaic.domain.membership import SCHEMA_VERSION, DigitalMembership
from mosaic.domain.versions import written_by_newer_schema
from mosaic.ports.documents import (
    Container,
    DocumentAlreadyExists,
    DocumentNotFound,
    DocumentStore,
    JsonDocument,
    StaleDocument,
    StoredDocument,
)


@dataclass(frozen=True)
class Backoff:
    """Bounded exponential backoff with full jitter: the n-th wait is uniform in
    [0, min(cap, first * 2**n)], so writers that collided once do not collide again in step,
    and the total wait stays bounded (8 attempts: under 0.4 s)."""

    attempts: int = 8
    first_seconds: float = 0.005
    cap_seconds: float = 0.1

    def delays(self) -> list[float]:
        """The upper bound of each wait between two attempts."""
        return [min(self.cap_seconds, self.first_seconds * 2**n) for n in range(self.attempts - 1)]


BACKOFF = Backoff()
Sleep = Callable[[float], None]
M = TypeVar("M", bound=BaseModel)


class UnreadableDocument(Exception):
    """A stored document this code cannot read although no newer version wrote it: a
    defect (or a hand edit) to fix on the server, never the client's fault."""


def stored_body(document: DigitalMembership) -> JsonDocument:
    """The membership as written by this code: stamped with this code's schema version,
    since what it writes is only readable by code that knows that version."""
    stamped = document.meta.model_copy(update={"schema_version": SCHEMA_VERSION})
    return document.model_copy(update={"meta": stamped}).model_dump(mode="json", by_alias=True)


def load(model: type[M], stored: StoredDocument) -> M:
    """The stored body as `model`. A body a newer deployment wrote may not validate here:
    that is DocumentFromNewerSchema (try again shortly), anything else UnreadableDocument."""
    try:
        return model.model_validate(stored.body)
    except ValidationError as error:
        if written_by_newer_schema(stored.body):
            raise DocumentFromNewerSchema(
                f"{stored.id} was written by a newer version of the service"
            ) from error
        raise UnreadableDocument(f"{stored.id}: {error}") from error


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
    *,
    backoff: Backoff = BACKOFF,
    sleep: Sleep = time.sleep,
    jitter: Callable[[float, float], float] = random.uniform,
    just_read: StoredDocument | None = None,
) -> StoredDocument | None:
    """Read the document, let `decide` return its new body (None: write nothing), write it
    conditionally; on a conflict wait (backoff), read again and decide again. `just_read`,
    the document as the caller read it a moment ago, stands for the first read: the write is
    conditional on its etag, so had it changed since, that attempt is a conflict like any.

    Raises DocumentFromNewerSchema rather than rewrite a document a newer deployment wrote,
    and ConcurrentUpdate when every attempt lost to another writer."""
    waits = backoff.delays()
    for attempt in range(backoff.attempts):
        if attempt == 0 and just_read is not None:
            current: StoredDocument | None = just_read
        else:
            current = read_or_none(store, container, program, id)
        if current is not None and written_by_newer_schema(current.body):
            raise DocumentFromNewerSchema(
                f"{container.value}/{program}/{id} was written by a newer version of the "
                "service; this instance leaves it alone"
            )
        body = decide(current)
        if body is None:
            return current
        try:
            if current is None:
                return store.create(container, body)
            return store.replace(container, body, if_match=current.etag)
        except (StaleDocument, DocumentAlreadyExists, DocumentNotFound):
            if attempt < len(waits):
                sleep(jitter(0.0, waits[attempt]))
    raise ConcurrentUpdate(f"{container.value}/{program}/{id} kept changing; try again")


def update_member(
    store: DocumentStore,
    member: DigitalMembership,
    decide: Callable[[StoredDocument | None], JsonDocument | None],
) -> StoredDocument | None:
    """update_with_retries on the member's own document."""
    return update_with_retries(store, Container.MEMBERSHIPS, member.program, member.id, decide)
