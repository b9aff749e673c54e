"""The rules a program's loyalty runs by: its settings, read in its timezone and currency."""

from __future__ import annotations

from dataclasses import dataclass

from mosaic.domain.program import DigitalProgram, LoyaltySettings, Tier


@dataclass(frozen=True)
class LoyaltyRules:
    settings: LoyaltySettings
    timezone: str
    currency: str

    @property
    def rolling(self) -> bool:
        return self.settings.expiry_mode == "rolling"

    def tier(self, name: str | None) -> Tier | None:
        """The tier of that name in the settings (None: none, or one no longer offered)."""
        return next((t for t in self.settings.tiers if t.name == name), None)


def rules_of(program: DigitalProgram) -> LoyaltyRules:
    return LoyaltyRules(program.loyalty, program.meta.timezone, program.meta.currency)
