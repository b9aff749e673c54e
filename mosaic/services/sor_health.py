"""The SoR's health as the health job stores it (`system` container, id SOR_HEALTH); read by
POS status. Until a health check has run, the status is `unknown`."""

from __future__ import annotations

from mosaic.ports.documents import Container
from mosaic.services.backends import Backends
from mosaic.services.documents import read_or_none

SYSTEM_PARTITION = "_system"
SOR_HEALTH = "sor-health"


def stored_sor_status(backends: Backends) -> tuple[str, str | None]:
    found = read_or_none(backends.documents, Container.SYSTEM, SYSTEM_PARTITION, SOR_HEALTH)
    if found is None:
        return "unknown", None
    status = found.body.get("status")
    since = found.body.get("since")
    return (
        str(status) if status in ("online", "offline") else "unknown",
        str(since) if since else None,
    )
