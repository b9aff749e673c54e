"""The timers' schedule monitor, as the Functions host keeps one in storage.

Per timer, one document in the `system` container, partition "_host", id
`timer:<name>`: the last occurrence run (`last`), the one expected next, when and by
which host it was written. Claiming an occurrence moves `last` forward by a conditional
write (create, or replace on the etag read), so of several hosts on one store exactly
one fires each occurrence; the others see `last` already there and skip it.

At start, a host compares `last` with the latest occurrence due: when one was missed
while no host ran, it is fired once, as past due (not once per missed occurrence). A
timer seen for the first time starts its record at the latest occurrence without firing.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime

from mosaic.domain.errors import ConcurrentUpdate
from mosaic.ports.documents import (
    Container,
    DocumentAlreadyExists,
    DocumentStore,
    JsonDocument,
    StoredDocument,
)
from mosaic.services.documents import read_or_none, update_with_retries

logger = logging.getLogger("mosaic.host")

HOST_PARTITION = "_host"


@dataclass(frozen=True)
class Claimed:
    """An occurrence this host won, and what the record said before (Azure's ScheduleStatus
    handed to the function: Last, Next, LastUpdated)."""

    occurrence: datetime
    previous: datetime | None
    previous_updated: datetime | None

    def schedule_status(self) -> dict[str, str | None]:
        return {
            "Last": _iso(self.previous),
            "Next": _iso(self.occurrence),
            "LastUpdated": _iso(self.previous_updated),
        }


class ScheduleMonitor:
    def __init__(self, documents: DocumentStore, host_id: str) -> None:
        self._documents = documents
        self._host_id = host_id

    def missed(self, timer: str, latest: datetime) -> datetime | None:
        """`latest` (the last occurrence due by now) when the record is behind it: it was
        missed while no host ran. The first time a timer is seen, its record starts at
        `latest` and nothing is owed."""
        current = read_or_none(self._documents, Container.SYSTEM, HOST_PARTITION, _id(timer))
        if current is None:
            with suppress(DocumentAlreadyExists):  # another host started it just now
                self._documents.create(Container.SYSTEM, self._body(timer, latest, None))
            return None
        return latest if _last(current) < latest else None

    def claim(self, timer: str, occurrence: datetime, following: datetime) -> Claimed | None:
        """Record `occurrence` as run (and `following` as next) unless it, or a later one,
        already is; None when another host has it."""
        decided: list[tuple[StoredDocument | None, bool]] = []

        def decide(current: StoredDocument | None) -> JsonDocument | None:
            ours = current is None or _last(current) < occurrence
            decided.append((current, ours))
            return self._body(timer, occurrence, following) if ours else None

        try:
            update_with_retries(
                self._documents, Container.SYSTEM, HOST_PARTITION, _id(timer), decide
            )
        except ConcurrentUpdate:
            logger.warning("%s: occurrence %s contended too long; skipped", timer, occurrence)
            return None
        previous, ours = decided[-1]  # the last decision is the one that stood
        if not ours:
            return None
        if previous is None:
            return Claimed(occurrence, None, None)
        updated = datetime.fromisoformat(previous.body["lastUpdated"])
        return Claimed(occurrence, _last(previous), updated)

    def _body(self, timer: str, last: datetime, following: datetime | None) -> JsonDocument:
        return {
            "id": _id(timer),
            "program": HOST_PARTITION,
            "last": last.isoformat(),
            "next": _iso(following),
            "lastUpdated": datetime.now(UTC).isoformat(),
            "host": self._host_id,
        }


def _id(timer: str) -> str:
    return f"timer:{timer}"


def _last(document: StoredDocument) -> datetime:
    return datetime.fromisoformat(document.body["last"])


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
