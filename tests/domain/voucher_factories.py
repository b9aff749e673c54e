"""Memberships with vouchers and stays, for the redemption and policy tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

from mosaic.domain.base import Money
from mosaic.domain.building import build_membership
from mosaic.domain.membership import (
    DigitalMembership,
    DynamicVoucher,
    ReservationTransaction,
    StaticVoucher,
    VoucherStatus,
)
from mosaic.domain.policies import Place
from mosaic.domain.redemption import redeemed
from tests.factories import NOW, sor_record

TIMEZONE = "Asia/Bangkok"
BANGKOK = ZoneInfo(TIMEZONE)
H01 = Place("SIAM-H01", "SIAM-H01-O1", in_network=True)
H02 = Place("SIAM-H02", None, in_network=True)
PARTNER = Place("SIAM-P01", None, in_network=False)
_keys = count(1)


def bangkok(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """A wall-clock time in Bangkok (UTC+7), as an aware instant."""
    return datetime(year, month, day, hour, minute, tzinfo=BANGKOK)


def _voucher_fields(code: str, overrides: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = dict(
        code=code,
        type="room",
        hotel=None,
        valid_from=date(2026, 3, 1),
        valid_to=date(2027, 2, 28),
        status=VoucherStatus.AVAILABLE,
    )
    return fields | overrides


def dynamic(code: str, **overrides: Any) -> DynamicVoucher:
    """A network-wide room voucher of campaign C1, valid while the membership runs."""
    return DynamicVoucher(**_voucher_fields(code, {"campaign": "C1"} | overrides))


def static(code: str, **overrides: Any) -> StaticVoucher:
    """A network-wide room voucher of the SoR, valid while the membership runs."""
    return StaticVoucher(**_voucher_fields(code, overrides))


def stay(
    hotel: str, check_in: date, nights: int, status: str = "confirmed"
) -> ReservationTransaction:
    return ReservationTransaction(
        id=f"R{next(_keys)}",
        hotel=hotel,
        check_in=check_in,
        nights=nights,
        amount=Money(amount=Decimal("9000"), currency="THB"),
        status=status,
        booked_at=NOW - timedelta(days=60),
    )


def member(
    *vouchers: StaticVoucher | DynamicVoucher,
    stays: tuple[ReservationTransaction, ...] = (),
    **membership: Any,
) -> DigitalMembership:
    """An active Gold membership (1 Mar 2026 to 28 Feb 2027) holding exactly `vouchers`;
    `membership` overrides fields of its membership section (status, expires_on...)."""
    document = build_membership(sor_record(static_vouchers=[]), None, NOW)
    return document.model_copy(
        update={
            "static_vouchers": [v for v in vouchers if isinstance(v, StaticVoucher)],
            "dynamic_vouchers": [v for v in vouchers if isinstance(v, DynamicVoucher)],
            "reservation_transactions": list(stays),
            "membership": document.membership.model_copy(update=membership),
        }
    )


def redeem(document: DigitalMembership, code: str, place: Place, at: datetime) -> DigitalMembership:
    """The membership with the voucher redeemed (no checks), as an earlier POS call left it."""
    return redeemed(document, code, place, at, f"key-{next(_keys)}", "agent-1")
