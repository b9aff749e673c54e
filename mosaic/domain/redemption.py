"""Validating, redeeming and un-redeeming a voucher on a digital membership (DESIGN section 6),
the pure part: no clock (`now` is an argument), no store.

Validation (`check_redemption`) is a dry run of redemption: the service runs it, then, to
redeem, writes `redeemed(...)` conditionally on the document's etag. The checks, in order,
the first failing one answering:
1. the membership: active, started and not past its last day (`expiresOn`, inclusive);
2. the voucher's status: a redeemed, expired, cancelled or removed voucher is refused;
3. its validity window, `validFrom` to `validTo` inclusive;
4. its hotel: a hotel's own voucher is valid at that hotel only (one of no hotel anywhere);
5. the program's redemption policy for its type (domain.policies).
Every date is the program's business date of `now`, in the program's timezone.

A redemption is recorded on the voucher (who, where, when, idempotency key); un-redemption
reverses the live one made here and keeps it, stamped, for the record. Static vouchers are
the SoR's: the service also queues each event to the SoR and names the request here.
"""

from __future__ import annotations

from datetime import date, datetime

from mosaic.domain.calendar import local_date
from mosaic.domain.errors import (
    MembershipNotUsable,
    VoucherAlreadyRedeemed,
    VoucherCancelled,
    VoucherExpired,
    VoucherNotFound,
    VoucherNotRedeemed,
    VoucherNotRedeemedHere,
    VoucherNotValidHere,
    VoucherNotYetValid,
    VoucherRemoved,
)
from mosaic.domain.membership import (
    DigitalMembership,
    DynamicVoucher,
    MembershipStatus,
    Redemption,
    StaticVoucher,
    Voucher,
    VoucherStatus,
)
from mosaic.domain.policies import Place, check_policy, live_redemption
from mosaic.domain.program import RedemptionPolicy


def find_voucher(member: DigitalMembership, code: str) -> StaticVoucher | DynamicVoucher:
    """The membership's voucher of that code, static or dynamic; else VoucherNotFound."""
    vouchers: list[StaticVoucher | DynamicVoucher] = [
        *member.dynamic_vouchers,
        *member.static_vouchers,
    ]
    for voucher in vouchers:
        if voucher.code == code:
            return voucher
    raise VoucherNotFound(f"no voucher {code} on this membership")


def check_redemption(
    member: DigitalMembership,
    voucher: Voucher,
    place: Place,
    now: datetime,
    timezone: str,
    policy: RedemptionPolicy | None,
) -> None:
    """Would redeeming the member's voucher at `place` at `now` succeed? Raises the named
    error of the first check that refuses (module docstring); `policy` is the program's
    policy for the voucher's type, None when it has none."""
    today = local_date(now, timezone)
    ensure_membership_usable(member, today, timezone)
    ensure_voucher_available(voucher)
    ensure_within_validity(voucher, today, timezone)
    ensure_valid_at(voucher, place)
    if policy is not None:
        check_policy(policy, member, voucher, place, now, timezone)


def ensure_membership_usable(member: DigitalMembership, today: date, timezone: str) -> None:
    """Only an active membership redeems, from its first day to its last, inclusive."""
    info, number = member.membership, member.meta.membership_number
    if info.status is not MembershipStatus.ACTIVE:
        raise MembershipNotUsable(f"membership {number} is {info.status}")
    if today > info.expires_on:
        raise MembershipNotUsable(
            f"membership {number} expired on {info.expires_on.isoformat()} ({timezone})"
        )
    if today < info.starts_on:
        raise MembershipNotUsable(
            f"membership {number} starts on {info.starts_on.isoformat()} ({timezone})"
        )


def ensure_voucher_available(voucher: Voucher) -> None:
    """Only an available voucher is redeemed: any other status names its own refusal."""
    code = voucher.code
    match voucher.status:
        case VoucherStatus.AVAILABLE:
            return
        case VoucherStatus.REDEEMED:
            raise VoucherAlreadyRedeemed(_redeemed_detail(voucher))
        case VoucherStatus.EXPIRED:
            raise VoucherExpired(f"voucher {code} expired on {voucher.valid_to.isoformat()}")
        case VoucherStatus.CANCELLED:
            raise VoucherCancelled(f"voucher {code} was cancelled")
        case VoucherStatus.REMOVED:
            raise VoucherRemoved(f"voucher {code} no longer exists in the program")


def _redeemed_detail(voucher: Voucher) -> str:
    redemption = live_redemption(voucher)
    if redemption is None:
        return f"voucher {voucher.code} was redeemed in the system of record"
    where = redemption.hotel + (f"/{redemption.outlet}" if redemption.outlet else "")
    return f"voucher {voucher.code} was redeemed at {where} at {redemption.redeemed_at.isoformat()}"


def ensure_within_validity(voucher: Voucher, today: date, timezone: str) -> None:
    """The validity window holds both its first and its last day."""
    if today < voucher.valid_from:
        raise VoucherNotYetValid(
            f"voucher {voucher.code} is valid from {voucher.valid_from.isoformat()} ({timezone})"
        )
    if today > voucher.valid_to:
        raise VoucherExpired(
            f"voucher {voucher.code} expired on {voucher.valid_to.isoformat()} ({timezone})"
        )


def ensure_valid_at(voucher: Voucher, place: Place) -> None:
    """A hotel's own voucher is redeemed at that hotel only."""
    if voucher.hotel is not None and voucher.hotel != place.hotel:
        raise VoucherNotValidHere(
            f"voucher {voucher.code} is valid at {voucher.hotel} only, not at {place.hotel}"
        )


def redeemed(
    member: DigitalMembership,
    voucher_code: str,
    place: Place,
    now: datetime,
    idempotency_key: str,
    agent: str | None,
    sor_request: str | None = None,
) -> DigitalMembership:
    """The membership with the voucher redeemed at `place` at `now` by `agent` (an agent or
    staff key id). Only an available voucher is redeemed (ensure_voucher_available): the
    other checks are check_redemption's, run first. `sor_request` names the SoR request of a
    static voucher's redemption; a dynamic voucher never goes to the SoR."""
    voucher = find_voucher(member, voucher_code)
    ensure_voucher_available(voucher)
    _ensure_sor_request_fits(voucher, sor_request)
    redemption = Redemption(
        idempotency_key=idempotency_key,
        hotel=place.hotel,
        outlet=place.outlet,
        redeemed_at=now,
        agent=agent,
        sor_request=sor_request,
    )
    return _with_voucher(
        member,
        voucher.model_copy(
            update={
                "status": VoucherStatus.REDEEMED,
                "redemptions": [*voucher.redemptions, redemption],
            }
        ),
    )


def unredeemed(
    member: DigitalMembership,
    voucher_code: str,
    now: datetime,
    agent: str | None,
    sor_request: str | None = None,
    idempotency_key: str | None = None,
) -> DigitalMembership:
    """The membership with the voucher's live redemption made here reversed at `now` by
    `agent` (with `idempotency_key`), and the voucher available again; the redemption stays
    on record, stamped.
    Refused for a voucher not redeemed (VoucherNotRedeemed) and for one redeemed in the SoR
    only (VoucherNotRedeemedHere): only a redemption recorded here is reversed here.
    `sor_request` names the SoR request of a static voucher's un-redemption."""
    voucher = find_voucher(member, voucher_code)
    if voucher.status is not VoucherStatus.REDEEMED:
        raise VoucherNotRedeemed(
            f"voucher {voucher.code} is {voucher.status}, not redeemed: nothing to reverse"
        )
    live = live_redemption(voucher)
    if live is None:
        raise VoucherNotRedeemedHere(
            f"voucher {voucher.code} was redeemed in the system of record, not through "
            "Mosaic: it is reversed where it was redeemed"
        )
    _ensure_sor_request_fits(voucher, sor_request)
    reversal = live.model_copy(
        update={
            "unredeemed_at": now,
            "unredeemed_by": agent,
            "unredeem_key": idempotency_key,
            "unredeem_sor_request": sor_request,
        }
    )
    return _with_voucher(
        member,
        voucher.model_copy(
            update={
                "status": VoucherStatus.AVAILABLE,
                "redemptions": [*voucher.redemptions[:-1], reversal],
            }
        ),
    )


def _ensure_sor_request_fits(voucher: Voucher, sor_request: str | None) -> None:
    if sor_request is not None and not isinstance(voucher, StaticVoucher):
        raise ValueError("only a static voucher's (un)redemption is written to the SoR")


def _with_voucher(member: DigitalMembership, voucher: Voucher) -> DigitalMembership:
    """The membership with `voucher` in place of its voucher of the same code."""
    if isinstance(voucher, DynamicVoucher):
        dynamic = [voucher if v.code == voucher.code else v for v in member.dynamic_vouchers]
        return member.model_copy(update={"dynamic_vouchers": dynamic})
    if isinstance(voucher, StaticVoucher):
        static = [voucher if v.code == voucher.code else v for v in member.static_vouchers]
        return member.model_copy(update={"static_vouchers": static})
    raise TypeError(f"not a membership's voucher: {type(voucher).__name__}")
