"""What the mobile app receives: response bodies built from documents (never the documents
themselves, so the stored shape can change without changing the API)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from mosaic.domain.base import Money, ResponseModel
from mosaic.domain.discounts import DiscountCodeStatus
from mosaic.domain.inviting import InvitationState
from mosaic.domain.membership import (
    Device,
    DiscountCode,
    DynamicVoucher,
    Redemption,
    Voucher,
    VoucherStatus,
    VoucherType,
)
from mosaic.domain.pins import PinStatus
from mosaic.domain.program import ContentType
from mosaic.domain.wallet import OfferView
from mosaic.functions.answers import MembershipAnswer, membership_answer
from mosaic.services.brochure import Brochure
from mosaic.services.member_views import MemberHome


class HotelAnswer(ResponseModel):
    code: str
    name: str
    city: str
    country: str
    in_network: bool


class DiningAnswer(ResponseModel):
    code: str
    hotel: str
    name: str
    cuisine: str | None = None


class ContentOfferAnswer(ResponseModel):
    code: str
    title: str
    description: str | None = None
    hotel: str | None = Field(default=None, description="None: at every hotel of the network")
    valid_from: date
    valid_to: date


class ContentAnswer(ResponseModel):
    """A program's brochure-ware: hotels, dining and offers."""

    program: str
    name: str
    type: ContentType
    hotels: list[HotelAnswer]
    dining: list[DiningAnswer]
    offers: list[ContentOfferAnswer]
    texts: dict[str, str]


def content_answer(brochure: Brochure) -> ContentAnswer:
    content = brochure.content
    return ContentAnswer(
        program=brochure.program,
        name=brochure.name,
        type=brochure.content_type,
        hotels=[HotelAnswer.model_validate(h, from_attributes=True) for h in content.hotels],
        dining=[DiningAnswer.model_validate(o, from_attributes=True) for o in content.outlets],
        offers=[ContentOfferAnswer.model_validate(o, from_attributes=True) for o in content.offers],
        texts=dict(content.texts),
    )


class RedemptionAnswer(ResponseModel):
    hotel: str
    outlet: str | None = None
    redeemed_at: datetime
    unredeemed_at: datetime | None = None


class VoucherAnswer(ResponseModel):
    code: str
    type: VoucherType
    hotel: str | None = Field(default=None, description="None: valid at every hotel")
    valid_from: date
    valid_to: date
    status: VoucherStatus = Field(description="judged today, in the program's timezone")
    campaign: str | None = Field(default=None, description="dynamic vouchers: the campaign")
    redemptions: list[RedemptionAnswer]


class VouchersAnswer(ResponseModel):
    vouchers: list[VoucherAnswer]


def _redemption(r: Redemption) -> RedemptionAnswer:
    return RedemptionAnswer(
        hotel=r.hotel, outlet=r.outlet, redeemed_at=r.redeemed_at, unredeemed_at=r.unredeemed_at
    )


def vouchers_answer(vouchers: list[tuple[Voucher, VoucherStatus]]) -> VouchersAnswer:
    return VouchersAnswer(
        vouchers=[
            VoucherAnswer(
                code=v.code,
                type=v.type,
                hotel=v.hotel,
                valid_from=v.valid_from,
                valid_to=v.valid_to,
                status=status,
                campaign=v.campaign if isinstance(v, DynamicVoucher) else None,
                redemptions=[_redemption(r) for r in v.redemptions],
            )
            for v, status in vouchers
        ]
    )


class DiscountCodeAnswer(ResponseModel):
    code: str = Field(description="8 characters of A-Z and 2-9, without O and I")
    offer: str
    created_at: datetime
    expires_at: datetime
    consumed_at: datetime | None = None
    status: DiscountCodeStatus


def discount_code_answer(code: DiscountCode, status: DiscountCodeStatus) -> DiscountCodeAnswer:
    return DiscountCodeAnswer(
        code=code.code,
        offer=code.offer,
        created_at=code.created_at,
        expires_at=code.expires_at,
        consumed_at=code.consumed_at,
        status=status,
    )


class OfferAnswer(ResponseModel):
    code: str
    title: str
    hotel: str | None = None
    valid_from: date
    valid_to: date
    discount_code: DiscountCodeAnswer | None = Field(
        default=None, description="the member's latest discount code of the offer"
    )


class OffersAnswer(ResponseModel):
    offers: list[OfferAnswer]


def offers_answer(views: list[OfferView]) -> OffersAnswer:
    return OffersAnswer(
        offers=[
            OfferAnswer(
                code=v.offer.code,
                title=v.offer.title,
                hotel=v.offer.hotel,
                valid_from=v.offer.valid_from,
                valid_to=v.offer.valid_to,
                discount_code=discount_code_answer(v.discount_code, v.discount_code_status)
                if v.discount_code is not None and v.discount_code_status is not None
                else None,
            )
            for v in views
        ]
    )


class DeviceAnswer(ResponseModel):
    device_id: str
    manufacturer: str | None = None
    platform: str | None = None
    model: str | None = None
    os_version: str | None = None
    registered_at: datetime
    push_token_registered: bool


def device_answer(device: Device) -> DeviceAnswer:
    return DeviceAnswer(
        device_id=device.device_id,
        manufacturer=device.manufacturer,
        platform=device.platform,
        model=device.model,
        os_version=device.os_version,
        registered_at=device.registered_at,
        push_token_registered=bool(device.push_token),
    )


class InvitationAnswer(ResponseModel):
    name: str
    contact: str
    invitee_code: str = Field(description="6 digits: what the friend logs in with")
    invited_at: datetime
    activated_at: datetime | None = None
    converted_at: datetime | None = None
    state: InvitationState
    activate_by: date | None = Field(
        default=None, description="pending: the last day the code may first be used"
    )


class CountersAnswer(ResponseModel):
    tracking_transactions: int
    reservations: int
    food_and_beverage_spend: Money
    room_spend: Money


class PinStatusAnswer(ResponseModel):
    """A PIN the member made (never its digits): whether it is live, and who used it."""

    created_at: datetime
    expires_at: datetime
    status: PinStatus
    used_at: datetime | None = None
    used_by: str | None = Field(default=None, description="the agent who used it")


class HomeAnswer(MembershipAnswer):
    """The app's home page: the membership, its counters, and the invitations made."""

    counters: CountersAnswer
    devices: list[DeviceAnswer]
    invitations: list[InvitationAnswer]
    invitations_left: int
    activate_by: date | None = Field(
        default=None, description="an invitee not logged in before: the code's last day"
    )
    pins: list[PinStatusAnswer]


def home_answer(home: MemberHome) -> HomeAnswer:
    member = home.member
    counters = member.counters
    return HomeAnswer(
        **membership_answer(member, home.standing).model_dump(),
        counters=CountersAnswer(
            tracking_transactions=counters.tracking_transactions,
            reservations=counters.reservations,
            food_and_beverage_spend=counters.food_and_beverage_spend,
            room_spend=counters.room_spend,
        ),
        devices=[device_answer(d) for d in member.devices],
        invitations=[
            InvitationAnswer(
                name=i.name,
                contact=i.contact,
                invitee_code=i.invitee_code,
                invited_at=i.invited_at,
                activated_at=i.activated_at,
                converted_at=i.converted_at,
                state=state,
                activate_by=activate_by if state is InvitationState.PENDING else None,
            )
            for i, state, activate_by in home.invitations
        ],
        invitations_left=home.invitations_left,
        activate_by=home.activate_by,
        pins=[
            PinStatusAnswer(
                created_at=p.created_at,
                expires_at=p.expires_at,
                status=status,
                used_at=p.used_at,
                used_by=p.used_by,
            )
            for p, status in home.pins
        ],
    )
