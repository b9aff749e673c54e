"""What the system of record holds about a membership, as read through the SoR port."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class SorMembership:
    program: str
    membership_number: str
    activation_code: str
    card_number: str | None
    member_name: str
    email: str | None
    phone: str | None
    package_code: str
    package_name: str
    status: str
    starts_on: date
    expires_on: date
    updated_at: datetime


@dataclass(frozen=True)
class SorStaticVoucher:
    code: str
    type: str
    hotel: str | None
    valid_from: date
    valid_to: date
    status: str
    updated_at: datetime


@dataclass(frozen=True)
class SorVoucherHolding:
    """A static voucher as the SoR holds it, with what deciding on it needs of its membership
    and program: the fallback's view of a code that has no digital membership."""

    program: str
    code: str
    type: str
    hotel: str | None
    valid_from: date
    valid_to: date
    status: str
    redeemed_at: datetime | None
    redeemed_hotel: str | None
    redeemed_outlet: str | None
    membership_number: str
    membership_status: str
    starts_on: date
    expires_on: date
    package_code: str
    timezone: str
    """The program's timezone, in which the validity dates are business dates."""


@dataclass(frozen=True)
class SorTracking:
    id: str
    hotel: str
    outlet: str
    amount: Decimal
    currency: str
    at: datetime
    updated_at: datetime | None = None


@dataclass(frozen=True)
class SorReservation:
    id: str
    hotel: str
    check_in: date
    nights: int
    amount: Decimal
    currency: str
    status: str
    booked_at: datetime
    updated_at: datetime | None = None


@dataclass(frozen=True)
class SorMembershipTransaction:
    id: str
    kind: str
    amount: Decimal
    currency: str
    at: datetime
    updated_at: datetime | None = None


@dataclass(frozen=True)
class SorOffer:
    code: str
    title: str
    hotel: str | None
    valid_from: date
    valid_to: date
    updated_at: datetime | None = None
    """The newest change of the offer's row and of its package links (`offer_packages`)."""
    packages: frozenset[str] = frozenset()
    """The packages the offer is for; empty: every package."""


@dataclass(frozen=True)
class SorDevice:
    """A device the SoR knows for the membership (registered by the legacy app)."""

    device_id: str
    platform: str
    manufacturer: str | None
    model: str | None
    os_version: str | None
    push_token: str | None
    registered_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class SorCampaign:
    """An Engage dynamic voucher campaign of the program (`dynamic_voucher_campaigns`):
    target `all`, `full`, `invitee` or `package:<code>`, valid valid_from..valid_to
    (inclusive, the program's business dates)."""

    id: str
    title: str
    type: str
    hotel: str | None
    target: str
    valid_from: date
    valid_to: date
    updated_at: datetime | None = None


@dataclass(frozen=True)
class SorProgram:
    code: str
    name: str
    currency: str
    timezone: str


@dataclass(frozen=True)
class SorMembershipRecord:
    """A membership and its rows: everything a refresh needs from the SoR."""

    program: SorProgram
    membership: SorMembership
    static_vouchers: list[SorStaticVoucher] = field(default_factory=list)
    tracking: list[SorTracking] = field(default_factory=list)
    reservations: list[SorReservation] = field(default_factory=list)
    membership_transactions: list[SorMembershipTransaction] = field(default_factory=list)
    offers: list[SorOffer] = field(default_factory=list)
    campaigns: list[SorCampaign] = field(default_factory=list)
    devices: list[SorDevice] = field(default_factory=list)

    @property
    def newest_change(self) -> datetime:
        """The newest `updated_at` of every row read, offer package links and campaigns
        included (the document's sorVersion). A row deleted from the SoR leaves no time
        behind: the refresh still notices, because it compares what it built with what is
        stored."""
        rows: list[
            SorStaticVoucher
            | SorTracking
            | SorReservation
            | SorMembershipTransaction
            | SorOffer
            | SorCampaign
            | SorDevice
        ] = [
            *self.static_vouchers,
            *self.tracking,
            *self.reservations,
            *self.membership_transactions,
            *self.offers,
            *self.campaigns,
            *self.devices,
        ]
        times = [self.membership.updated_at]
        times += [row.updated_at for row in rows if row.updated_at is not None]
        return max(times)
