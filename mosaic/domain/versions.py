"""Which schema a stored document was written with, and whether this code may rewrite it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mosaic.domain.membership import SCHEMA_VERSION


def written_by_newer_schema(body: Mapping[str, Any], known: int = SCHEMA_VERSION) -> bool:
    """True when `meta.schemaVersion` is newer than this code knows: during a rolling
    deployment an older instance must not rewrite a document a newer one wrote, or it would
    drop or mangle what it does not understand. Documents without a meta section (code index
    entries, counters) carry no version."""
    meta = body.get("meta")
    if not isinstance(meta, Mapping):
        return False
    version = meta.get("schemaVersion")
    return isinstance(version, int) and not isinstance(version, bool) and version > known
