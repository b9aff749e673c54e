"""What the system of record holds about a program, as read through the SoR port for the
program refresh: its catalog (hotels, outlets, offers, dynamic voucher campaigns) and its
statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from mosaic.domain import records
from mosaic.domain.records import SorProgram


@dataclass(frozen=True)
class SorHotel:
    code: str
    name: str
    city: str
    country: str
    in_network: bool


@dataclass(frozen=True)
class SorOutlet:
    code: str
    hotel: str
    name: str
    cuisine: str | None


@dataclass(frozen=True)
class SorContentOffer:
    code: str
    title: str
    description: str | None
    hotel: str | None
    valid_from: date
    valid_to: date
    packages: tuple[str, ...] = ()
    """The packages the offer is for, in order; empty: every package."""


@dataclass(frozen=True)
class SorCaller:
    """A caller's key as the SoR holds it (`pos_agents`, `staff`): its SHA-256 hex digest only,
    never the key. An agent's key decides its program, hotel and outlet (none: the front desk);
    a staff key decides the program only, and names the staff member's role."""

    role: Literal["agent", "staff"]
    key_hash: str
    program: str
    name: str
    hotel: str | None = None
    outlet: str | None = None
    staff_role: str | None = None


@dataclass(frozen=True)
class SorProgramCatalog:
    program: SorProgram
    hotels: list[SorHotel] = field(default_factory=list)
    outlets: list[SorOutlet] = field(default_factory=list)
    offers: list[SorContentOffer] = field(default_factory=list)
    voucher_campaigns: list[records.SorCampaign] = field(default_factory=list)
    """The Engage dynamic voucher campaigns not ended before the catalog's day, by start."""
    configuration: dict[str, str] = field(default_factory=dict)
    """The back office's configuration, as JSON text per section: `settings`, `loyalty`,
    `policy:<voucher type>` (domain.programs reads them)."""


@dataclass(frozen=True)
class SorMonthlyFigure:
    """A count (and an amount) of one subject (hotel, outlet, package) in one month."""

    month: str
    subject: str
    count: int
    amount: Decimal | None = None


@dataclass(frozen=True)
class SorCampaign:
    id: str
    channel: str
    title: str
    target: str
    status: str
    sent: int
    opened: int
    sent_at: datetime | None


@dataclass(frozen=True)
class SorProgramStatistics:
    """Figures of the months since a date, each computed by one set-based query."""

    tracking_per_hotel: list[SorMonthlyFigure] = field(default_factory=list)
    tracking_per_outlet: list[SorMonthlyFigure] = field(default_factory=list)
    voucher_redemptions_per_hotel: list[SorMonthlyFigure] = field(default_factory=list)
    dynamic_vouchers_per_hotel: list[SorMonthlyFigure] = field(default_factory=list)
    sales_per_package: list[SorMonthlyFigure] = field(default_factory=list)
    campaigns: list[SorCampaign] = field(default_factory=list)
    devices_by_platform: dict[str, int] = field(default_factory=dict)
