"""What clients receive: response bodies, built from documents but never the documents
themselves, so the stored shape can change without changing the API."""

from __future__ import annotations

from datetime import date

from mosaic.domain.base import ResponseModel
from mosaic.domain.membership import DigitalMembership, MembershipMode, MembershipStatus


class PackageAnswer(ResponseModel):
    code: str
    name: str


class MembershipAnswer(ResponseModel):
    """A member's own summary: the app's home page."""

    program: str
    membership_number: str
    mode: MembershipMode
    member_name: str
    email: str | None = None
    phone: str | None = None
    card_number: str | None = None
    package: PackageAnswer
    status: MembershipStatus
    starts_on: date
    expires_on: date
    tier: str | None = None
    points: int = 0


def membership_answer(document: DigitalMembership) -> MembershipAnswer:
    info = document.membership
    return MembershipAnswer(
        program=document.program,
        membership_number=document.meta.membership_number,
        mode=document.meta.mode,
        member_name=info.member_name,
        email=info.email,
        phone=info.phone,
        card_number=info.card_number,
        package=PackageAnswer(code=info.package.code, name=info.package.name),
        status=info.status,
        starts_on=info.starts_on,
        expires_on=info.expires_on,
        tier=document.loyalty.tier,
        points=document.loyalty.balance,
    )
