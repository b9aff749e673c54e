"""What a POS or back-office request needs of its program (timezone, currency, redemption
policies, which hotels are in the network), from the program document, kept by the process
for RULES_KEPT: a redemption must not parse the whole program document (tens of KB, mostly
statistics) each time. A program refresh's changes reach this process at once (the refresh
forgets them) and other processes within RULES_KEPT."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta

from mosaic.domain.errors import InvalidField
from mosaic.domain.membership import VoucherType
from mosaic.domain.policies import Place
from mosaic.domain.program import ContentType, ProgramSettings, RedemptionPolicy
from mosaic.ports.documents import DocumentStore
from mosaic.services.backends import Backends
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


_kept: weakref.WeakKeyDictionary[DocumentStore, dict[str, tuple[datetime, ProgramRules]]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


def program_rules(backends: Backends, program: str) -> ProgramRules:
    now = backends.wall_clock.now()
    with _lock:
        kept = _kept.get(backends.documents, {}).get(program)
    if kept is not None and now - kept[0] < RULES_KEPT:
        return kept[1]
    document = load_program(backends, program)
    content = document.content.get(ContentType.APP)
    rules = ProgramRules(
        program=program,
        timezone=document.meta.timezone,
        currency=document.meta.currency,
        settings=document.settings,
        policies=dict(document.policies),
        hotels={h.code: h.in_network for h in content.hotels} if content else {},
        outlets={o.code: o.hotel for o in content.outlets} if content else {},
    )
    with _lock:
        _kept.setdefault(backends.documents, {})[program] = (now, rules)
    return rules


def forget_program_rules(backends: Backends, program: str) -> None:
    with _lock:
        _kept.get(backends.documents, {}).pop(program, None)
