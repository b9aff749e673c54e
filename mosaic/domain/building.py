"""Building a digital membership from the SoR's rows (the refresh's pure part).

SoR-owned sections (membership, transactions, static vouchers, offers) are replaced;
digital-owned sections (devices, dynamic vouchers, redemptions made here, discount
codes, invitees, notifications, pins, loyalty) are carried over from the existing document;
dynamic vouchers gain one voucher per eligible campaign (domain.campaigns).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

from mosaic.domain.base import Money
from mosaic.domain.calendar import local_date
from mosaic.domain.campaigns import dynamic_vouchers, voucher_type
from mosaic.domain.codes import CodeKind
from mosaic.domain.devices import with_sor_devices
from mosaic.domain.errors import SorDataInvalid
from mosaic.domain.membership import (
    Counters,
    DigitalMembership,
    MembershipInfo,
    MembershipMode,
    MembershipStatus,
    MembershipTransaction,
    Meta,
    Offer,
    PackageRef,
    ReservationTransaction,
    StaticVoucher,
    TrackingTransaction,
    VoucherStatus,
)
from mosaic.domain.records import SorMembershipRecord, SorOffer, SorStaticVoucher


def build_membership(
    record: SorMembershipRecord,
    existing: DigitalMembership | None,
    now: datetime,
    read_at: datetime | None = None,
    issued: Mapping[str, str] | None = None,
) -> DigitalMembership:
    """The digital membership for `record` (read from the SoR at `read_at`, default `now`),
    keeping what only the digital side owns and every field this code does not know.
    `issued` (campaign id -> code) holds the codes issued for the dynamic vouchers of the
    campaigns the membership has no voucher of yet (domain.campaigns)."""
    m = record.membership
    currency = record.program.currency
    carried = existing.model_copy(deep=True) if existing else None
    kept_vouchers = {v.code: v for v in carried.static_vouchers} if carried else {}
    tracking = [
        TrackingTransaction(
            id=t.id,
            hotel=t.hotel,
            outlet=t.outlet,
            at=t.at,
            amount=Money(amount=t.amount, currency=t.currency),
        )
        for t in record.tracking
    ]
    in_sor = {t.id for t in tracking}
    recorded = [t for t in (carried.tracking_recorded if carried else []) if t.id not in in_sor]
    tracking = sorted([*tracking, *recorded], key=lambda t: t.at)
    reservations = [
        ReservationTransaction(
            id=r.id,
            hotel=r.hotel,
            check_in=r.check_in,
            nights=r.nights,
            amount=Money(amount=r.amount, currency=r.currency),
            status=r.status,
            booked_at=r.booked_at,
        )
        for r in record.reservations
    ]
    built = DigitalMembership(
        id=m.membership_number,
        program=m.program,
        meta=Meta(
            **(carried.meta.model_extra or {} if carried else {}),
            membership_number=m.membership_number,
            mode=MembershipMode.FULL,
            last_update=now,
            last_refresh=now,
            sor_version=record.newest_change,
            sor_read_at=read_at or now,
        ),
        membership=MembershipInfo(
            activation_code=m.activation_code,
            card_number=m.card_number,
            member_name=m.member_name,
            email=m.email,
            phone=m.phone,
            package=PackageRef(code=m.package_code, name=m.package_name),
            status=sor_value(MembershipStatus, m.status, "membership status"),
            starts_on=m.starts_on,
            expires_on=m.expires_on,
        ),
        tracking_transactions=tracking,
        tracking_recorded=recorded,
        reservation_transactions=reservations,
        membership_transactions=[
            MembershipTransaction(
                id=t.id, kind=t.kind, at=t.at, amount=Money(amount=t.amount, currency=t.currency)
            )
            for t in record.membership_transactions
        ],
        static_vouchers=[
            _static_voucher(v, kept_vouchers.get(v.code)) for v in record.static_vouchers
        ],
        offers=[
            Offer(
                code=o.code,
                title=o.title,
                hotel=o.hotel,
                valid_from=o.valid_from,
                valid_to=o.valid_to,
            )
            for o in eligible_offers(record, now)
        ],
        counters=counters_of(tracking, reservations, currency),
        dynamic_vouchers=dynamic_vouchers(
            record,
            carried.dynamic_vouchers if carried else [],
            issued or {},
            local_date(now, record.program.timezone),
        ),
    )
    if carried is None:
        return built.model_copy(update={"devices": with_sor_devices([], record.devices)})
    # Top-level sections this code does not know belong to whoever wrote them: keep them.
    unknown = dict(carried.model_extra or {})
    return built.model_copy(
        update={
            **unknown,
            "devices": with_sor_devices(carried.devices, record.devices),
            "discount_codes": carried.discount_codes,
            "invitees": carried.invitees,
            "notifications": carried.notifications,
            "pins": carried.pins,
            "loyalty": carried.loyalty,
        }
    )


def eligible_offers(record: SorMembershipRecord, now: datetime) -> list[SorOffer]:
    """The offers valid on the program's business date of `now` and open to the membership's
    package: one that ended before that day or starts after it is not listed, nor one limited
    to other packages (an offer limited to none is for every package)."""
    today = local_date(now, record.program.timezone)
    package = record.membership.package_code
    return [
        o
        for o in record.offers
        if o.valid_from <= today <= o.valid_to and (not o.packages or package in o.packages)
    ]


def _static_voucher(row: SorStaticVoucher, kept: StaticVoucher | None) -> StaticVoucher:
    """The SoR's voucher, with the redemptions made here. While the SoR has not applied the
    last redemption or un-redemption made here (an explicit state on the redemption, never a
    comparison of clocks), that event decides the status, so a refresh cannot undo it; once
    applied, the SoR row decides. A voucher the SoR cancelled or expired stays so."""
    status = sor_value(VoucherStatus, row.status, "voucher status")
    redemptions = kept.redemptions if kept else []
    if redemptions and status in (VoucherStatus.AVAILABLE, VoucherStatus.REDEEMED):
        last = redemptions[-1]
        if last.awaiting_sor:
            status = VoucherStatus.AVAILABLE if last.unredeemed_at else VoucherStatus.REDEEMED
    return StaticVoucher(
        **(kept.model_extra or {} if kept else {}),
        code=row.code,
        type=voucher_type(row.type),
        hotel=row.hotel,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        status=status,
        redemptions=list(redemptions),
    )


def counters_of(
    tracking: list[TrackingTransaction], reservations: list[ReservationTransaction], currency: str
) -> Counters:
    """Counts of every transaction; spend sums in the program's currency only (a partner
    hotel abroad may bill in its own; no rate is known here to convert it)."""
    food = Money.zero(currency)
    for t in tracking:
        if t.amount.currency == currency:
            food = food.plus(t.amount)
    rooms = Money.zero(currency)
    for r in reservations:
        if r.amount.currency == currency:
            rooms = rooms.plus(r.amount)
    return Counters(
        tracking_transactions=len(tracking),
        reservations=len(reservations),
        food_and_beverage_spend=food,
        room_spend=rooms,
    )


def sor_issued_codes(document: DigitalMembership) -> set[tuple[CodeKind, str]]:
    """The codes the SoR gave this membership (activation code, static vouchers): the ones
    its code index entries must match."""
    if document.meta.mode is not MembershipMode.FULL:
        return set()
    codes = {(CodeKind.MEMBERSHIP_ACTIVATION, document.membership.activation_code)}
    codes.update((CodeKind.STATIC_VOUCHER, v.code) for v in document.static_vouchers)
    return codes


def mark_removed(
    document: DigitalMembership, now: datetime, read_at: datetime
) -> DigitalMembership:
    """The membership is gone from the SoR (as read at `read_at`): keep the document for the
    record (redemptions, ledger), with status `removed`. Marking twice keeps the first time."""
    meta = document.meta.model_copy(
        update={
            "last_update": now,
            "removed_at": document.meta.removed_at or now,
            "sor_read_at": read_at,
        }
    )
    info = document.membership.model_copy(update={"status": MembershipStatus.REMOVED})
    return document.model_copy(update={"meta": meta, "membership": info})


def read_is_stale(existing: DigitalMembership | None, read_at: datetime) -> bool:
    """A refresh whose SoR read is older than the one the stored document was built from
    must not overwrite it: it would bring back a superseded code or a deleted member."""
    stored = existing.meta.sor_read_at if existing else None
    return stored is not None and stored > read_at


REFRESH_STAMPS = frozenset({"lastUpdate", "lastRefresh", "sorReadAt"})
"""The meta fields every refresh sets, whatever it read."""


def unchanged_by_refresh(rebuilt: dict[str, Any], stored: dict[str, Any]) -> bool:
    """The rebuilt body (as it would be written) says what the stored one says, but for the
    refresh's own time stamps: writing it would change nothing but the etag, and make a POS
    write made meanwhile conflict for nothing."""

    def content(body: dict[str, Any]) -> dict[str, Any]:
        meta = {k: v for k, v in body.get("meta", {}).items() if k not in REFRESH_STAMPS}
        return body | {"meta": meta}

    return content(rebuilt) == content(stored)


E = TypeVar("E", MembershipStatus, VoucherStatus)


def sor_value(kind: type[E], value: str, what: str) -> E:
    """An SoR value this code must understand to build the document; raises SorDataInvalid."""
    try:
        return kind(value)
    except ValueError:
        raise SorDataInvalid(
            f"the SoR has a {what} this version does not know: {value!r}"
        ) from None
