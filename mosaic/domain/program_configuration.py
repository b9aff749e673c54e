"""A program's configuration, whose home is the SoR's `program_configuration` table: the
member-facing settings, the loyalty settings and one redemption policy per voucher type.

The SoR is authoritative for every section it holds; a section it does not hold keeps what
the program document had (set before the SoR was its home), else the defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from pydantic import ValidationError

from mosaic.domain.errors import ProgramMisconfigured
from mosaic.domain.membership import VoucherType
from mosaic.domain.program import (
    DigitalProgram,
    LoyaltySettings,
    ProgramSettings,
    RedemptionPolicy,
)

SETTINGS = "settings"
LOYALTY = "loyalty"
POLICY_PREFIX = "policy:"


@dataclass(frozen=True)
class ProgramConfiguration:
    settings: ProgramSettings
    loyalty: LoyaltySettings
    policies: dict[VoucherType, RedemptionPolicy]


def policy_section(voucher_type: VoucherType) -> str:
    return f"{POLICY_PREFIX}{voucher_type.value}"


def program_configuration(
    sections: Mapping[str, str], existing: DigitalProgram | None, default_loyalty: LoyaltySettings
) -> ProgramConfiguration:
    """The configuration from the SoR's sections (JSON text), over the existing document's.
    Raises ProgramMisconfigured naming the section and the rule a body breaks, and for a
    section this code does not know (a typo would otherwise be silently ignored)."""
    known = {SETTINGS, LOYALTY, *(policy_section(kind) for kind in VoucherType)}
    unknown = sorted(set(sections) - known)
    if unknown:
        raise ProgramMisconfigured(f"unknown configuration sections: {', '.join(unknown)}")
    policies = dict(existing.policies) if existing else {}
    for kind in VoucherType:
        if policy_section(kind) in sections:
            policies[kind] = _parse(RedemptionPolicy, sections, policy_section(kind))
    settings = existing.settings if existing else ProgramSettings()
    loyalty = existing.loyalty if existing else default_loyalty
    return ProgramConfiguration(
        settings=_parse(ProgramSettings, sections, SETTINGS) if SETTINGS in sections else settings,
        loyalty=_parse(LoyaltySettings, sections, LOYALTY) if LOYALTY in sections else loyalty,
        policies=policies,
    )


M = TypeVar("M", ProgramSettings, LoyaltySettings, RedemptionPolicy)


def _parse(model: type[M], sections: Mapping[str, str], section: str) -> M:
    try:
        return model.model_validate_json(sections[section])
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in error.errors()
        )
        raise ProgramMisconfigured(f"configuration section {section!r}: {problems}") from None
