"""What a POS or back-office request needs of its program (timezone, currency, redemption
policies, which hotels are in the network), from the program document, kept by the process
for RULES_KEPT: a redemption must not parse the whole program document (tens of KB, mostly
statistics) each time. A program refresh's changes reach this process at once (the refresh
forgets them) and other processes within RULES_KEPT."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from mosaic.domain.errors import InvalidField
from mosaic.domain.membership import VoucherType
from mosaic.domain.policies import Place
from mosaic.domain.program import ContentType, ProgramSettings, RedemptionPolicy
from mosaic.services.backends import Backends
from mosaic.services.kept import KeptPerProgram
from mosaic.services.programs import load_program

RULES_KEPT = timedelta(seconds=60)


@dataclass(frozen=True)
class ProgramRules:
    program: str
    timezone: str
    currency: str
    settings: ProgramSettings
    policies: dict[VoucherType, RedemptionPolicy]
    hotels: dict[str, bool]
    """Hotel code -> in the network."""
    outlets: dict[str, str]
    """Outlet code -> its hotel."""

    def place(self, hotel: str, outlet: str | None, field: str = "hotel") -> Place:
        """Where a redemption happens; a hotel or outlet the program does not have is refused."""
        if hotel not in self.hotels:
            raise InvalidField(field, f"{hotel} is not a hotel of program {self.program}")
        if outlet is not None and self.outlets.get(outlet) != hotel:
            raise InvalidField("outlet", f"{outlet} is not an outlet of hotel {hotel}")
        return Place(hotel=hotel, outlet=outlet, in_network=self.hotels[hotel])


_kept: KeptPerProgram[ProgramRules] = KeptPerProgram(RULES_KEPT)


def program_rules(backends: Backends, program: str) -> ProgramRules:
    return _kept.get(backends, program, lambda: _read_rules(backends, program))


def _read_rules(backends: Backends, program: str) -> ProgramRules:
    document = load_program(backends, program)
    content = document.content.get(ContentType.APP)
    return ProgramRules(
        program=program,
        timezone=document.meta.timezone,
        currency=document.meta.currency,
        settings=document.settings,
        policies=dict(document.policies),
        hotels={h.code: h.in_network for h in content.hotels} if content else {},
        outlets={o.code: o.hotel for o in content.outlets} if content else {},
    )


def forget_program_rules(backends: Backends, program: str) -> None:
    _kept.forget(backends, program)
