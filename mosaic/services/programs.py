"""What every use case needs to know about a program, read from its digital program document."""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import ValidationError

from mosaic.domain.errors import ProgramMisconfigured, ProgramNotFound, SystemOfRecordUnavailable
from mosaic.domain.loyalty.rules import LoyaltyRules
from mosaic.domain.program import DigitalProgram, LoyaltySettings, ProgramMeta, ProgramSettings
from mosaic.domain.programs import first_program_document
from mosaic.ports.documents import Container, DocumentAlreadyExists, DocumentStore
from mosaic.ports.sor import SorUnavailable
from mosaic.services.backends import Backends
from mosaic.services.documents import read_or_none
from mosaic.services.program_directory import remember_program

log = logging.getLogger("mosaic.programs")

TIMEZONE_KEPT = timedelta(seconds=60)
"""How long a process keeps a program's timezone (and loyalty rules) once read. Every
membership refresh needs them before its SoR read, and the program document they live in is
tens of KB, mostly statistics: reading and parsing it whole took about an eighth of a refresh
(and on Cosmos DB it is a point read of that size per refresh). A timezone the program refresh
changes reaches this process's refreshes at once, other processes' within TIMEZONE_KEPT."""


@dataclass(frozen=True)
class _Basics:
    timezone: str
    loyalty: LoyaltyRules | None
    """None: the document's loyalty section is unusable (logged when read)."""


_kept: weakref.WeakKeyDictionary[DocumentStore, dict[str, tuple[datetime, _Basics]]] = (
    weakref.WeakKeyDictionary()
)
"""Per document store (a test's fresh store starts empty): program -> (read at, basics)."""


def _basics(backends: Backends, program: str) -> _Basics:
    """The program's timezone and loyalty rules, from its program document (a point read;
    only the meta and loyalty sections are validated), kept for TIMEZONE_KEPT."""
    now = backends.wall_clock.now()
    kept = _kept.get(backends.documents, {}).get(program)
    if kept is not None and now - kept[0] < TIMEZONE_KEPT:
        return kept[1]
    found = read_or_none(backends.documents, Container.PROGRAMS, program, program)
    if found is None:
        raise ProgramNotFound(f"program {program} has no digital program document yet")
    try:
        meta = ProgramMeta.model_validate(found.body.get("meta"))
    except ValidationError as error:
        log.error("program %s: its document's meta is unusable: %s", program, error)
        raise ProgramMisconfigured(f"program {program} has no usable timezone") from None
    try:
        settings = LoyaltySettings.model_validate(found.body.get("loyalty"))
        loyalty: LoyaltyRules | None = LoyaltyRules(settings, meta.timezone, meta.currency)
    except ValidationError as error:
        log.error("program %s: its document's loyalty settings are unusable: %s", program, error)
        loyalty = None
    basics = _Basics(meta.timezone, loyalty)
    _kept.setdefault(backends.documents, {})[program] = (now, basics)
    return basics


def program_timezone(backends: Backends, program: str) -> str:
    """The program's timezone, stored once, in its program document."""
    return _basics(backends, program).timezone


def program_loyalty(backends: Backends, program: str) -> LoyaltyRules:
    """The program's loyalty rules (its settings, timezone and currency)."""
    loyalty = _basics(backends, program).loyalty
    if loyalty is None:
        raise ProgramMisconfigured(f"program {program} has unusable loyalty settings")
    return loyalty


def forget_timezone(backends: Backends, program: str) -> None:
    """The program document was just written: the next caller reads its timezone (and
    loyalty rules) again."""
    _kept.get(backends.documents, {}).pop(program, None)


def program_settings(backends: Backends, program: str) -> ProgramSettings:
    """The program's member-facing settings from its document (defaults before its first
    program refresh)."""
    found = read_or_none(backends.documents, Container.PROGRAMS, program, program)
    if found is None or "settings" not in found.body:
        return ProgramSettings()
    try:
        return ProgramSettings.model_validate(found.body["settings"])
    except ValidationError as error:
        log.error("program %s: its document's settings are unusable: %s", program, error)
        raise ProgramMisconfigured(f"program {program} has unusable settings") from None


def ensure_program(backends: Backends, program: str) -> str:
    """The program's timezone; a program without a document yet gets a first one from the
    SoR (name, currency, timezone; the program refresh fills in the rest)."""
    try:
        return program_timezone(backends, program)
    except ProgramNotFound:
        pass
    try:
        row = backends.sor.program(program)
    except SorUnavailable as error:
        raise SystemOfRecordUnavailable("the system of record is not answering") from error
    if row is None:
        raise ProgramNotFound(f"no program {program} in the system of record")
    try:
        document = first_program_document(row, backends.clock.now())
    except ValidationError as error:
        log.error("program %s in the SoR is unusable: %s", program, error)
        raise ProgramMisconfigured(
            f"program {program} in the system of record has an unusable timezone or currency"
        ) from None
    try:
        backends.documents.create(
            Container.PROGRAMS, document.model_dump(mode="json", by_alias=True)
        )
    except DocumentAlreadyExists:
        return program_timezone(backends, program)
    remember_program(backends, program)
    return row.timezone


def load_program(backends: Backends, program: str) -> DigitalProgram:
    """The whole digital program document (a point read); ProgramNotFound without one."""
    found = read_or_none(backends.documents, Container.PROGRAMS, program, program)
    if found is None:
        raise ProgramNotFound(f"no program {program}")
    try:
        return DigitalProgram.model_validate(found.body)
    except ValidationError as error:
        log.error("program %s: its document is unusable: %s", program, error)
        raise ProgramMisconfigured(f"program {program} has an unusable document") from None
