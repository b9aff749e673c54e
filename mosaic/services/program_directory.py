"""The programs that have a digital program document, listed in one document (`system`
container, partition `_system`, id `programs`), so the background jobs that run over every
program find them without the SoR (the document store cannot list its partitions cheaply)."""

from __future__ import annotations

from mosaic.domain.errors import SystemOfRecordUnavailable
from mosaic.ports.documents import Container, JsonDocument, StoredDocument
from mosaic.ports.sor import SorUnavailable
from mosaic.services.backends import Backends
from mosaic.services.documents import read_or_none, update_with_retries
from mosaic.services.sor_health import SYSTEM_PARTITION

PROGRAMS = "programs"


def remember_program(backends: Backends, program: str) -> None:
    """The program has a program document now: list it (once; a conditional write)."""

    def decide(current: StoredDocument | None) -> JsonDocument | None:
        codes = [str(c) for c in current.body.get("codes", [])] if current else []
        if program in codes:
            return None
        return {"id": PROGRAMS, "program": SYSTEM_PARTITION, "codes": sorted([*codes, program])}

    update_with_retries(backends.documents, Container.SYSTEM, SYSTEM_PARTITION, PROGRAMS, decide)


def known_programs(backends: Backends) -> list[str]:
    """Every program with a program document, from the directory; before the directory
    exists (a store written before it), from the SoR. Raises SystemOfRecordUnavailable when
    that is needed and the SoR does not answer."""
    found = read_or_none(backends.documents, Container.SYSTEM, SYSTEM_PARTITION, PROGRAMS)
    if found is not None:
        return [str(code) for code in found.body.get("codes", [])]
    try:
        return backends.sor.program_codes()
    except SorUnavailable as error:
        raise SystemOfRecordUnavailable("the system of record is not answering") from error
