"""The digital program document (DESIGN.md section 3, `programs` container)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from mosaic.domain.base import Money, StoredModel
from mosaic.domain.calendar import zone
from mosaic.domain.membership import SCHEMA_VERSION, VoucherType


def _known_timezone(name: str) -> str:
    zone(name)  # raises ValueError for a zone the tz database does not know
    return name


class ContentType(StrEnum):
    APP = "app"
    SITE = "site"


class ProgramMeta(StoredModel):
    name: str
    currency: str
    timezone: Annotated[
        str,
        AfterValidator(_known_timezone),
        Field(
            description="IANA zone that decides the program's business dates (DESIGN "
            "section 8); stored here only"
        ),
    ]
    last_update: datetime
    last_refresh: datetime | None = None
    schema_version: int = SCHEMA_VERSION


class Hotel(StoredModel):
    code: str
    name: str
    city: str
    country: str
    in_network: bool


class Outlet(StoredModel):
    code: str
    hotel: str
    name: str
    cuisine: str | None = None


class ContentOffer(StoredModel):
    code: str
    title: str
    description: str | None = None
    hotel: str | None = None
    valid_from: date
    valid_to: date
    packages: list[str] = Field(default_factory=list, description="empty: every package")


class Content(StoredModel):
    hotels: list[Hotel] = Field(default_factory=list)
    outlets: list[Outlet] = Field(default_factory=list)
    offers: list[ContentOffer] = Field(default_factory=list)
    texts: dict[str, str] = Field(default_factory=dict)


class MaxOutOfNetworkPerHotel(StoredModel):
    rule: Literal["maxOutOfNetworkPerHotel"] = "maxOutOfNetworkPerHotel"
    limit: int = Field(ge=1)


class MaxPerDay(StoredModel):
    rule: Literal["maxPerDay"] = "maxPerDay"
    limit: int = Field(ge=1)


class MaxPerStay(StoredModel):
    rule: Literal["maxPerStay"] = "maxPerStay"
    limit: int = Field(ge=1)


class MinDaysBetween(StoredModel):
    rule: Literal["minDaysBetween"] = "minDaysBetween"
    days: int = Field(ge=1)


class AllowedWeekdays(StoredModel):
    rule: Literal["allowedWeekdays"] = "allowedWeekdays"
    weekdays: list[int] = Field(description="ISO weekdays, 1 = Monday")


class BlackoutDates(StoredModel):
    rule: Literal["blackoutDates"] = "blackoutDates"
    dates: list[date]


class AllowedHotels(StoredModel):
    rule: Literal["allowedHotels"] = "allowedHotels"
    hotels: list[str]


PolicyRule = Annotated[
    MaxOutOfNetworkPerHotel
    | MaxPerDay
    | MaxPerStay
    | MinDaysBetween
    | AllowedWeekdays
    | BlackoutDates
    | AllowedHotels,
    Field(discriminator="rule"),
]


class RedemptionPolicy(StoredModel):
    rules: list[PolicyRule] = Field(default_factory=list)


class ReferralVoucher(StoredModel):
    """The voucher an inviter receives when an invitee becomes a full member."""

    title: str = "Thank you for your referral"
    valid_days: int = Field(default=90, ge=1)
    hotel: str | None = Field(default=None, description="None: any hotel of the network")


class ProgramSettings(StoredModel):
    invitee_period_days: int = Field(default=7, ge=1)
    invitation_activation_days: int = Field(
        default=30, ge=1, description="an invitee code must first be used within this"
    )
    invitation_limit: int = Field(default=5, ge=0, description="open invitations per member")
    discount_code_ttl_days: int = Field(default=30, ge=1)
    pin_ttl_minutes: int = Field(default=15, ge=1)
    pin_max_attempts: int = Field(default=5, ge=1)
    referral_voucher: ReferralVoucher = Field(default_factory=ReferralVoucher)


class Tier(StoredModel):
    name: str
    threshold: int = Field(ge=0, description="active points that grant the tier")
    image: str


def _reminder_days(days: list[int]) -> list[int]:
    return sorted(set(days), reverse=True)


def _distinct_tiers(tiers: list[Tier]) -> list[Tier]:
    names = [t.name for t in tiers]
    if len(set(names)) < len(names):
        raise ValueError("tier names must differ")
    return tiers


class LoyaltySettings(StoredModel):
    """A program's loyalty rules (DESIGN section 8); the timezone they are read in is the
    program's own (`meta.timezone`). Every field but the earning minimum has a default, so a
    document stored before a field existed still reads."""

    earning_minimum: Money = Field(
        description="a booking strictly over this amount earns points: 100.00 earns nothing, "
        "100.01 earns"
    )
    points_per_booking: int = Field(default=1, ge=0)
    expiry_months: int = Field(default=4, ge=1)
    expiry_mode: Literal["rolling", "lot"] = Field(
        default="rolling",
        description="rolling: every earning moves all active points' expiry to its own, so "
        "points lapse only after `expiryMonths` without an earning; lot: each earning expires "
        "on its own",
    )
    tiers: Annotated[list[Tier], AfterValidator(_distinct_tiers)] = Field(default_factory=list)
    tier_validity_months: int = Field(default=4, ge=1)
    reminder_days: int = Field(default=7, ge=0, description="points expiry reminder, days before")
    renewal_reminder_days: Annotated[
        list[Annotated[int, Field(ge=0)]], AfterValidator(_reminder_days)
    ] = Field(
        default_factory=lambda: [30, 7],
        description="membership renewal reminders, days before the membership expires",
    )
    migration_month: str = Field(default="2024-09", pattern=r"^\d{4}-\d{2}$")


class MonthlyFigure(StoredModel):
    """One month of one subject (hotel, outlet, package, offer): a count and an amount."""

    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    subject: str
    count: int
    amount: Decimal | None = None


class CampaignStat(StoredModel):
    id: str
    channel: Literal["push", "email", "sms"]
    title: str
    target: str = Field(description="all, full, invitee or package:<code>")
    status: str
    sent: int = 0
    opened: int = 0
    sent_at: datetime | None = None


class ProgramStatistics(StoredModel):
    tracking_per_hotel: list[MonthlyFigure] = Field(default_factory=list)
    tracking_per_outlet: list[MonthlyFigure] = Field(default_factory=list)
    voucher_redemptions_per_hotel: list[MonthlyFigure] = Field(default_factory=list)
    dynamic_vouchers_per_hotel: list[MonthlyFigure] = Field(default_factory=list)
    offers: list[MonthlyFigure] = Field(default_factory=list)
    push_messages: list[CampaignStat] = Field(default_factory=list)
    email_campaigns: list[CampaignStat] = Field(default_factory=list)
    sms_campaigns: list[CampaignStat] = Field(default_factory=list)
    devices_by_platform: dict[str, int] = Field(default_factory=dict)
    sales_per_package: list[MonthlyFigure] = Field(default_factory=list)


class VoucherCampaign(StoredModel):
    """An Engage dynamic voucher campaign of the program, as the SoR lists it (SoR-owned):
    what an invitee membership, which the SoR does not know, gets its vouchers from."""

    id: str
    title: str
    type: VoucherType
    hotel: str | None = Field(default=None, description="None: any hotel of the network")
    target: str = Field(description="all, full, invitee or package:<code>")
    valid_from: date
    valid_to: date = Field(description="the last day, inclusive, in the program's timezone")


class DigitalProgram(StoredModel):
    id: str
    program: str
    meta: ProgramMeta
    content: dict[ContentType, Content] = Field(default_factory=dict)
    policies: dict[VoucherType, RedemptionPolicy] = Field(default_factory=dict)
    settings: ProgramSettings = Field(default_factory=ProgramSettings)
    loyalty: LoyaltySettings
    statistics: ProgramStatistics = Field(default_factory=ProgramStatistics)
    voucher_campaigns: list[VoucherCampaign] = Field(
        default_factory=list, description="the campaigns not ended yet, by start"
    )
