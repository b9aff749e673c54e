"""When a membership was last read from the SoR, kept beside its document (see SorReadMark)."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime

from mosaic.domain.base import CamelModel
from mosaic.domain.membership import DigitalMembership
from mosaic.ports.documents import Container
from mosaic.services.backends import Backends
from mosaic.services.documents import read_or_none

SOR_READ_MARK_SECONDS = 24 * 3600
"""How long a membership's last-read mark is kept: coalescing only needs the last minutes."""


class SorReadMark(CamelModel):
    """When a membership was last read from the SoR, and which version of its document the
    search index has: kept beside the document (`system` container), not in it.

    A refresh that finds nothing changed writes nothing to the membership document: a
    rewrite would change only its time stamps and its etag, and every POS write made
    meanwhile would conflict and retry for nothing. But coalescing needs to know the SoR
    was read: without it, the document's sorReadAt would stay old and every queued request
    for an unchanged member would read the SoR again. So the read time goes to this small
    mark (its own document: writing it conflicts with no one), and coalescing takes the
    newer of the two (refresh_requested). The login's refresh_is_due still looks at the
    document only: it may queue a request the queue then drops on this mark.

    The mark also names the document etag the search index was last written from, so a
    refresh that wrote the document but failed before the search upsert is completed by
    the next one, even when that one finds nothing changed. A stale read (older than the
    document's sorReadAt) is still refused by the document; one older than only this mark
    is not: it can at worst rewrite what the SoR said moments before, and the next refresh
    corrects it."""

    id: str
    program: str
    kind: str = "membershipSorRead"
    membership_number: str
    sor_read_at: AwareDatetime
    search_etag: str | None = None
    ttl: int = SOR_READ_MARK_SECONDS


def mark_id(number: str) -> str:
    return f"sor-read-{number}"


def read_mark(backends: Backends, program: str, number: str) -> SorReadMark | None:
    found = read_or_none(backends.documents, Container.SYSTEM, program, mark_id(number))
    return SorReadMark.model_validate(found.body) if found else None


def mark_read(backends: Backends, program: str, number: str, read_at: datetime, etag: str) -> None:
    """Last writer wins: two refreshes at once both read the SoR just now."""
    mark = SorReadMark(
        id=mark_id(number),
        program=program,
        membership_number=number,
        sor_read_at=read_at,
        search_etag=etag,
    )
    backends.documents.upsert(Container.SYSTEM, mark.model_dump(mode="json", by_alias=True))


def as_last_read(backends: Backends, document: DigitalMembership) -> DigitalMembership:
    """The document as coalescing should see it: read from the SoR at the newer of its own
    sorReadAt and its read mark's (SorReadMark)."""
    mark = read_mark(backends, document.program, document.id)
    stored = document.meta.sor_read_at
    if mark is None or (stored is not None and stored >= mark.sor_read_at):
        return document
    meta = document.meta.model_copy(update={"sor_read_at": mark.sor_read_at})
    return document.model_copy(update={"meta": meta})
