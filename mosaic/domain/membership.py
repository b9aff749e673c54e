"""The digital membership document (DESIGN.md section 3, `memberships` container).

SoR-owned sections are replaced by a refresh; digital-owned sections are never lost by one.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, Field

from mosaic.domain.base import CamelModel, Money, StoredModel
from mosaic.domain.contacts import normal_email, normal_phone

# The loyalty section's models live with its rules; they are known here too.
from mosaic.domain.loyalty.entries import LedgerEntry as LedgerEntry
from mosaic.domain.loyalty.entries import LedgerKind as LedgerKind
from mosaic.domain.loyalty.ledger import Loyalty

if TYPE_CHECKING:
    from mosaic.domain.loyalty.standing import Standing

SCHEMA_VERSION = 2
"""1: the login slice; 2: status `removed`, `meta.removedAt`."""


class MembershipMode(StrEnum):
    FULL = "full"
    INVITEE = "invitee"


class MembershipStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"
    REMOVED = "removed"
    """Gone from the SoR: the document stays for the record, its codes are released."""


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
    REMOVED = "removed"
    """Gone from the SoR: the document stays for the record, its codes are released."""


class Channel(StrEnum):
    PUSH = "push"
    SMS = "sms"
    EMAIL = "email"


class Meta(StoredModel):
    membership_number: str
    mode: MembershipMode
    last_update: datetime
    last_refresh: datetime | None = None
    sor_version: datetime | None = Field(default=None, description="newest change of its SoR rows")
    schema_version: int = SCHEMA_VERSION
    sor_read_at: datetime | None = Field(
        default=None,
        description="when the SoR was read for this document: an older read never overwrites it",
    )
    removed_at: datetime | None = Field(
        default=None, description="when a refresh found the membership gone from the SoR"
    )


class PackageRef(StoredModel):
    code: str
    name: str


class MembershipInfo(StoredModel):
    activation_code: str
    card_number: str | None = None
    member_name: str
    email: str | None = None
    phone: str | None = None
    package: PackageRef
    status: MembershipStatus
    starts_on: date
    expires_on: date


class DeviceDetails(StoredModel):
    """A device the member's app runs on (the request body is validated at the edge)."""

    device_id: str
    manufacturer: str | None = None
    platform: str | None = None
    model: str | None = None
    os_version: str | None = None
    push_token: str | None = None


class Device(DeviceDetails):
    registered_at: datetime


class TrackingTransaction(StoredModel):
    id: str
    hotel: str
    outlet: str
    amount: Money
    at: datetime


class ReservationTransaction(StoredModel):
    id: str
    hotel: str
    check_in: date
    nights: int
    amount: Money
    status: str
    booked_at: datetime


class MembershipTransaction(StoredModel):
    id: str
    kind: str = Field(description="purchase, renewal, fulfillment, ...")
    amount: Money
    at: datetime


class Redemption(StoredModel):
    """A redemption made here. For a static voucher (the SoR's), each event is also written
    to the SoR through a queued SoR request; until the SoR has applied it, the event (not the
    SoR row) decides the voucher's status."""

    idempotency_key: str
    hotel: str
    outlet: str | None = None
    redeemed_at: datetime
    unredeemed_at: datetime | None = None
    agent: str | None = Field(default=None, description="the agent or staff key that redeemed")
    unredeemed_by: str | None = Field(
        default=None, description="the agent or staff key that un-redeemed"
    )
    sor_request: str | None = Field(default=None, description="the SoR request of the redemption")
    sor_applied_at: datetime | None = Field(
        default=None, description="when the SoR applied the redemption"
    )
    unredeem_key: str | None = Field(
        default=None, description="the Idempotency-Key of the un-redemption"
    )
    unredeem_sor_request: str | None = None
    unredeem_sor_applied_at: datetime | None = None

    @property
    def awaiting_sor(self) -> bool:
        """Whether the SoR has yet to apply this redemption's last event."""
        if self.unredeemed_at is not None:
            return self.unredeem_sor_applied_at is None
        return self.sor_applied_at is None


class Voucher(StoredModel):
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


class Offer(StoredModel):
    code: str
    title: str
    hotel: str | None = None
    valid_from: date
    valid_to: date


class DiscountCode(StoredModel):
    code: str
    offer: str
    hotel: str | None = Field(
        default=None, description="the offer's hotel when the code was given: used there only"
    )
    created_at: datetime
    expires_at: datetime
    consumed_at: datetime | None = None
    consumed_hotel: str | None = None
    consumed_outlet: str | None = None
    consumed_by: str | None = Field(default=None, description="the agent or staff key id")
    consumed_key: str | None = Field(default=None, description="the consuming Idempotency-Key")


ComparableEmail = Annotated[str | None, AfterValidator(normal_email)]
"""An email as contacts compare: lower-cased."""
ComparablePhone = Annotated[str | None, AfterValidator(normal_phone)]
"""A phone as contacts compare: its digits."""


class Invitee(StoredModel):
    """On the inviter's membership: a friend invited, and what became of the invitation."""

    name: str
    contact: str
    invitee_code: str
    invited_at: datetime
    activated_at: datetime | None = None
    converted_at: datetime | None = None
    membership_number: str | None = Field(
        default=None, description="the invitee's own (digital-only) membership"
    )
    email: ComparableEmail = None
    phone: ComparablePhone = None
    """Both contacts the friend was invited by (`contact` shows one): what a second
    invitation is compared with, and what the invitee membership is made again from."""


class Invitation(StoredModel):
    """On an invitee's membership: who invited them and how to recognise them when they buy
    a full membership (email lower-cased, phone as its digits)."""

    invited_by: str = Field(description="the inviter's membership number")
    invitee_code: str
    name: str
    email: ComparableEmail = None
    phone: ComparablePhone = None
    invited_at: datetime
    activated_at: datetime | None = Field(default=None, description="the invitee's first login")
    converted_at: datetime | None = None
    converted_to: str | None = Field(default=None, description="the full membership's number")


class NotificationRecord(StoredModel):
    channel: Channel
    template: str
    sent_at: datetime
    status: str
    key: str | None = Field(
        default=None,
        description="what the notification is about, unique in the membership for one sent "
        "once (a reminder: `points-expiry:2024-05-31`, `renewal:2025-02-28:30`)",
    )


class Pin(StoredModel):
    hash: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    used_by: str | None = None
    failed_attempts: int = 0
    revoked_at: datetime | None = Field(
        default=None, description="a newer PIN replaced it before it was used"
    )


class Counters(StoredModel):
    tracking_transactions: int = 0
    reservations: int = 0
    food_and_beverage_spend: Money
    room_spend: Money


class DigitalMembership(StoredModel):
    """One member's precomputed document: everything a request needs, without the SoR."""

    id: str
    program: str
    meta: Meta
    membership: MembershipInfo
    devices: list[Device] = Field(default_factory=list)
    tracking_transactions: list[TrackingTransaction] = Field(default_factory=list)
    tracking_recorded: list[TrackingTransaction] = Field(
        default_factory=list,
        description="spend a POS recorded here, kept until the SoR has it (same id)",
    )
    reservation_transactions: list[ReservationTransaction] = Field(default_factory=list)
    membership_transactions: list[MembershipTransaction] = Field(default_factory=list)
    static_vouchers: list[StaticVoucher] = Field(default_factory=list)
    dynamic_vouchers: list[DynamicVoucher] = Field(default_factory=list)
    offers: list[Offer] = Field(default_factory=list)
    discount_codes: list[DiscountCode] = Field(default_factory=list)
    invitees: list[Invitee] = Field(default_factory=list)
    invitation: Invitation | None = Field(default=None, description="an invitee's invitation")
    notifications: list[NotificationRecord] = Field(default_factory=list)
    pins: list[Pin] = Field(default_factory=list)
    counters: Counters
    loyalty: Loyalty = Field(default_factory=Loyalty)


class MembershipSummary(CamelModel):
    """The search index's entry for a membership (its fields are the index's schema, so
    unknown fields are not kept). Not an API shape: routes answer their own models."""

    program: str
    membership_number: str
    mode: MembershipMode
    member_name: str
    email: str | None = None
    phone: str | None = None
    card_number: str | None = None
    activation_code: str | None = None
    package: PackageRef
    status: MembershipStatus
    starts_on: date
    expires_on: date
    tier: str | None = None
    tier_image: str | None = None
    points: int = 0
    next_expiry: datetime | None = Field(
        default=None, description="when the soonest-expiring points lapse: 23:59:59 local"
    )
    expiring_soon: int = Field(
        default=0, description="points lapsing within the program's reminder days (7)"
    )


def summarize(document: DigitalMembership, standing: Standing) -> MembershipSummary:
    """The membership's summary, its loyalty as `standing` (domain.loyalty.standing) shows it
    when the summary is made."""
    info = document.membership
    return MembershipSummary(
        program=document.program,
        membership_number=document.meta.membership_number,
        mode=document.meta.mode,
        member_name=info.member_name,
        email=info.email,
        phone=info.phone,
        card_number=info.card_number,
        activation_code=info.activation_code,
        package=info.package,
        status=info.status,
        starts_on=info.starts_on,
        expires_on=info.expires_on,
        tier=standing.tier,
        tier_image=standing.tier_image,
        points=standing.balance,
        next_expiry=standing.next_expiry,
        expiring_soon=standing.expiring_soon,
    )
