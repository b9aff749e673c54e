"""What clients receive: response bodies, built from documents but never the documents
themselves, so the stored shape can change without changing the API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from mosaic.domain.base import ResponseModel
from mosaic.domain.loyalty.entries import LedgerEntry, LedgerKind
from mosaic.domain.loyalty.expiry import shown_expiry
from mosaic.domain.loyalty.standing import Standing
from mosaic.domain.membership import DigitalMembership, MembershipMode, MembershipStatus


class PackageAnswer(ResponseModel):
    code: str
    name: str


class StandingAnswer(ResponseModel):
    """A member's loyalty as every summary shows it (domain.loyalty.standing)."""

    tier: str | None = None
    tier_image: str | None = Field(default=None, description="the tier's image URL")
    points: int = Field(default=0, description="the active balance")
    next_expiry: datetime | None = Field(
        default=None, description="when the soonest-expiring points lapse: 23:59:59 local"
    )
    expiring_soon: int = Field(
        default=0, description="points lapsing within the program's reminder days (7)"
    )


def standing_values(standing: Standing) -> dict[str, Any]:
    """A StandingAnswer's fields of `standing`."""
    return {
        "tier": standing.tier,
        "tier_image": standing.tier_image,
        "points": standing.balance,
        "next_expiry": standing.next_expiry,
        "expiring_soon": standing.expiring_soon,
    }


class MembershipAnswer(StandingAnswer):
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


def membership_answer(document: DigitalMembership, standing: Standing) -> MembershipAnswer:
    """The summary, its loyalty as `standing` shows it (services.loyalty_views.standing_of)."""
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
        **standing_values(standing),
    )


class MovementAnswer(ResponseModel):
    """One ledger movement: points in (positive) or out (negative)."""

    id: str
    kind: LedgerKind = Field(description="earn, expire, adjust or migrate")
    points: int
    at: datetime
    expires_at: datetime | None = Field(
        default=None, description="points in: when they lapse, 23:59:59 local"
    )
    reason: str
    reference: str | None = Field(default=None, description="the booking id, if any")


def movement_answer(entry: LedgerEntry, timezone: str) -> MovementAnswer:
    return MovementAnswer(
        id=entry.id,
        kind=entry.kind,
        points=entry.points,
        at=entry.at,
        expires_at=shown_expiry(entry.expires_at, timezone) if entry.expires_at else None,
        reason=entry.reason,
        reference=entry.reference,
    )
