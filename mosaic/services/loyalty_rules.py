"""A program's loyalty rules (settings, timezone, currency), read from the meta and loyalty
sections of its program document (only those are validated) and kept by the process for
RULES_KEPT, apart from the POS rules (services.program_rules): every booking, summary and
loyalty page needs them, and a membership refresh made before the program's first refresh
must not leave the POS rules of an empty program kept. A program refresh's changes reach
this process at once (the refresh forgets them) and other processes within RULES_KEPT."""

from __future__ import annotations

import logging

from pydantic import ValidationError

from mosaic.domain.errors import ProgramMisconfigured, ProgramNotFound
from mosaic.domain.loyalty.rules import LoyaltyRules
from mosaic.domain.program import LoyaltySettings, ProgramMeta
from mosaic.ports.documents import Container
from mosaic.services.backends import Backends
from mosaic.services.documents import read_or_none
from mosaic.services.kept import KeptPerProgram
from mosaic.services.program_rules import RULES_KEPT

log = logging.getLogger("mosaic.programs")

_kept: KeptPerProgram[LoyaltyRules] = KeptPerProgram(RULES_KEPT)


def loyalty_rules(backends: Backends, program: str) -> LoyaltyRules:
    return _kept.get(backends, program, lambda: _read_rules(backends, program))


def _read_rules(backends: Backends, program: str) -> LoyaltyRules:
    found = read_or_none(backends.documents, Container.PROGRAMS, program, program)
    if found is None:
        raise ProgramNotFound(f"no program {program}")
    try:
        meta = ProgramMeta.model_validate(found.body.get("meta"))
        settings = LoyaltySettings.model_validate(found.body.get("loyalty"))
    except ValidationError as error:
        log.error("program %s: its loyalty settings are unusable: %s", program, error)
        raise ProgramMisconfigured(f"program {program} has unusable loyalty settings") from None
    return LoyaltyRules(settings, meta.timezone, meta.currency)


def forget_loyalty_rules(backends: Backends, program: str) -> None:
    _kept.forget(backends, program)
