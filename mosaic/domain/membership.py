"""The digital membership document (DESIGN.md section 3, `memberships` container).

SoR-owned sections are replaced by a refresh; digital-owned sections are never lost by one.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from mosaic.domain.base import CamelModel, Money

SCHEMA_VERSION = 1


class MembershipMode(StrEnum):
    FULL = "full"
    INVITEE = "invitee"


class MembershipStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"


class VoucherType(StrEnum):
    FOOD = "food"
    ROOM = "room"
    SPA = "spa"
    REFERRAL = "referral"
    OTHER = "other"


class VoucherStatus(StrEnum):
    AVAILABLE = "available"
    REDEEMED = "redeemed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class Channel(StrEnum):
    PUSH = "push"
    SMS = "sms"
    EMAIL = "email"


class Meta(CamelModel):
    membership_number: str
    mode: MembershipMode
    last_update: datetime
    last_refresh: datetime | None = None
    sor_version: datetime | None = Field(default=None, description="newest change of its SoR rows")
    schema_version: int = SCHEMA_VERSION


class PackageRef(CamelModel):
    code: str
    name: str


class MembershipInfo(CamelModel):
    activation_code: str
    card_number: str | None = None
    member_name: str
    email: str | None = None
    phone: str | None = None
    package: PackageRef
    status: MembershipStatus
    starts_on: date
    expires_on: date


Text = Annotated[str, Field(max_length=128)]


class DeviceDetails(CamelModel):
    """What the app tells about the device it runs on."""

    device_id: Annotated[str, Field(min_length=1, max_length=128)]
    manufacturer: Text | None = None
    platform: Text | None = None
    model: Text | None = None
    os_version: Text | None = None
    push_token: Annotated[str, Field(max_length=4096)] | None = None


class Device(DeviceDetails):
    registered_at: datetime


class TrackingTransaction(CamelModel):
    id: str
    hotel: str
    outlet: str
    amount: Money
    at: datetime


class ReservationTransaction(CamelModel):
    id: str
    hotel: str
    check_in: date
    nights: int
    amount: Money
    status: str
    booked_at: datetime


class MembershipTransaction(CamelModel):
    id: str
    kind: str = Field(description="purchase, renewal, fulfillment, ...")
    amount: Money
    at: datetime


class Redemption(CamelModel):
    idempotency_key: str
    hotel: str
    outlet: str | None = None
    redeemed_at: datetime
    unredeemed_at: datetime | None = None
    agent: str | None = None


class Voucher(CamelModel):
    code: str
    type: VoucherType
    hotel: str | None = Field(default=None, description="None: valid network-wide")
    valid_from: date
    valid_to: date
    status: VoucherStatus
    redemptions: list[Redemption] = Field(default_factory=list)


class StaticVoucher(Voucher):
    pass


class DynamicVoucher(Voucher):
    campaign: str


class Offer(CamelModel):
    code: str
    title: str
    hotel: str | None = None
    valid_from: date
    valid_to: date


class DiscountCode(CamelModel):
    code: str
    offer: str
    created_at: datetime
    expires_at: datetime
    consumed_at: datetime | None = None


class Invitee(CamelModel):
    name: str
    contact: str
    invitee_code: str
    invited_at: datetime
    activated_at: datetime | None = None
    converted_at: datetime | None = None


class NotificationRecord(CamelModel):
    channel: Channel
    template: str
    sent_at: datetime
    status: str


class Pin(CamelModel):
    hash: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    used_by: str | None = None
    failed_attempts: int = 0


class Counters(CamelModel):
    tracking_transactions: int = 0
    reservations: int = 0
    food_and_beverage_spend: Money
    room_spend: Money


class LedgerKind(StrEnum):
    EARN = "earn"
    EXPIRE = "expire"
    ADJUST = "adjust"
    MIGRATE = "migrate"


class LedgerEntry(CamelModel):
    id: str
    kind: LedgerKind
    points: int
    at: datetime
    expires_at: datetime | None = None
    reason: str
    reference: str | None = None


class Loyalty(CamelModel):
    ledger: list[LedgerEntry] = Field(default_factory=list)
    balance: int = 0
    tier: str | None = None
    tier_expires_at: datetime | None = None


class DigitalMembership(CamelModel):
    """One member's precomputed document: everything a request needs, without the SoR."""

    id: str
    program: str
    meta: Meta
    membership: MembershipInfo
    devices: list[Device] = Field(default_factory=list)
    tracking_transactions: list[TrackingTransaction] = Field(default_factory=list)
    reservation_transactions: list[ReservationTransaction] = Field(default_factory=list)
    membership_transactions: list[MembershipTransaction] = Field(default_factory=list)
    static_vouchers: list[StaticVoucher] = Field(default_factory=list)
    dynamic_vouchers: list[DynamicVoucher] = Field(default_factory=list)
    offers: list[Offer] = Field(default_factory=list)
    discount_codes: list[DiscountCode] = Field(default_factory=list)
    invitees: list[Invitee] = Field(default_factory=list)
    notifications: list[NotificationRecord] = Field(default_factory=list)
    pins: list[Pin] = Field(default_factory=list)
    counters: Counters
    loyalty: Loyalty = Field(default_factory=Loyalty)


class MembershipSummary(CamelModel):
    """What search indexes and what a login answers: no vouchers, no history."""

    program: str
    membership_number: str
    mode: MembershipMode
    member_name: str
    email: str | None = None
    phone: str | None = None
    card_number: str | None = None
    package: PackageRef
    status: MembershipStatus
    starts_on: date
    expires_on: date
    tier: str | None = None
    points: int = 0


def summarize(document: DigitalMembership) -> MembershipSummary:
    info = document.membership
    return MembershipSummary(
        program=document.program,
        membership_number=document.meta.membership_number,
        mode=document.meta.mode,
        member_name=info.member_name,
        email=info.email,
        phone=info.phone,
        card_number=info.card_number,
        package=info.package,
        status=info.status,
        starts_on=info.starts_on,
        expires_on=info.expires_on,
        tier=document.loyalty.tier,
        points=document.loyalty.balance,
    )
