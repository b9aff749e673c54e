"""A digital member of a program with silver and gold tiers, for the loyalty service tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mosaic.domain.base import Money
from mosaic.domain.program import Tier
from mosaic.ports.documents import Container
from mosaic.services.backends import Backends
from mosaic.services.program_refresh import refresh_program
from mosaic.services.programs import forget_timezone
from mosaic.services.refresh import RefreshReason, refresh_membership

NUMBER = "SIAM-0000001"
SILVER = Tier(name="silver", threshold=2, image="https://img.example/silver.png")
GOLD = Tier(name="gold", threshold=10, image="https://img.example/gold.png")


def thb(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="THB")


def with_loyalty(backends: Backends, program: str = "SIAM", **settings: Any) -> None:
    """The program document's loyalty settings changed (camelCase keys), as an operator
    would configure them; the process forgets the rules it kept."""
    stored = backends.documents.read(Container.PROGRAMS, program, program)
    body = stored.body | {"loyalty": stored.body["loyalty"] | settings}
    backends.documents.replace(Container.PROGRAMS, body, if_match=stored.etag)
    forget_timezone(backends, program)


def digital_member(backends: Backends) -> None:
    """The SoR's program and member made digital; silver at 2 points, gold at 10."""
    refresh_program(backends, "SIAM", "test")
    tiers = [t.model_dump(mode="json", by_alias=True) for t in (SILVER, GOLD)]
    with_loyalty(backends, tiers=tiers)
    refresh_membership(backends, "SIAM", NUMBER, RefreshReason.IMPORT)


def stored_loyalty(backends: Backends, number: str = NUMBER) -> dict[str, Any]:
    body: dict[str, Any] = backends.documents.read(Container.MEMBERSHIPS, "SIAM", number).body
    loyalty: dict[str, Any] = body["loyalty"]
    return loyalty
