"""Building a digital program from the SoR's catalog and statistics (the program refresh's
pure part).

The SoR owns the catalog (hotels, outlets, offers), the dynamic voucher campaigns (replaced by
every refresh: invitee memberships, which the SoR does not know, take their vouchers from them),
the figures and the configuration (member-facing settings, loyalty settings, redemption
policies: domain.program_configuration); the program's texts are the digital side's, and a
refresh keeps them, with every field it does not know.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from mosaic.domain.base import Money
from mosaic.domain.calendar import local_date
from mosaic.domain.campaigns import voucher_type
from mosaic.domain.program import (
    CampaignStat,
    Content,
    ContentOffer,
    ContentType,
    DigitalProgram,
    Hotel,
    LoyaltySettings,
    MonthlyFigure,
    Outlet,
    ProgramMeta,
    ProgramStatistics,
    VoucherCampaign,
)
from mosaic.domain.program_configuration import program_configuration
from mosaic.domain.program_records import (
    SorMonthlyFigure,
    SorProgramCatalog,
    SorProgramStatistics,
)
from mosaic.domain.records import SorCampaign, SorProgram


def build_program(
    catalog: SorProgramCatalog,
    statistics: SorProgramStatistics,
    existing: DigitalProgram | None,
    now: datetime,
) -> DigitalProgram:
    """The program document for the SoR's catalog, configuration and figures, keeping what the
    digital side owns from `existing`. Raises ProgramMisconfigured for a configuration
    section that breaks its rules (the stored document then stays as it was)."""
    row = catalog.program
    meta = ProgramMeta(
        **((existing.meta.model_extra or {}) if existing else {}),
        name=row.name,
        currency=row.currency,
        timezone=row.timezone,
        last_update=now,
        last_refresh=now,
    )
    texts = {kind: existing.content[kind].texts for kind in existing.content} if existing else {}
    content = {kind: _content(catalog, texts.get(kind, {})) for kind in ContentType}
    configured = program_configuration(
        catalog.configuration, existing, default_loyalty(row.currency)
    )
    built = DigitalProgram(
        id=row.code,
        program=row.code,
        meta=meta,
        content=content,
        policies=configured.policies,
        settings=configured.settings,
        loyalty=configured.loyalty,
        statistics=_statistics(statistics),
        voucher_campaigns=[_voucher_campaign(c) for c in catalog.voucher_campaigns],
    )
    if existing is None:
        return built
    return built.model_copy(update=dict(existing.model_extra or {}))


def first_program_document(row: SorProgram, now: datetime) -> DigitalProgram:
    """A program document before its first program refresh: what the SoR's program row says,
    and the default settings (DESIGN section 8)."""
    return DigitalProgram(
        id=row.code,
        program=row.code,
        meta=ProgramMeta(
            name=row.name, currency=row.currency, timezone=row.timezone, last_update=now
        ),
        loyalty=default_loyalty(row.currency),
    )


def default_loyalty(currency: str) -> LoyaltySettings:
    """DESIGN section 8's defaults: a point per booking over 100 in the program's currency."""
    return LoyaltySettings(earning_minimum=Money(amount=Decimal("100.00"), currency=currency))


def _content(catalog: SorProgramCatalog, texts: dict[str, str]) -> Content:
    return Content(
        hotels=[
            Hotel(code=h.code, name=h.name, city=h.city, country=h.country, in_network=h.in_network)
            for h in catalog.hotels
        ],
        outlets=[
            Outlet(code=o.code, hotel=o.hotel, name=o.name, cuisine=o.cuisine)
            for o in catalog.outlets
        ],
        offers=[
            ContentOffer(
                code=o.code,
                title=o.title,
                description=o.description,
                hotel=o.hotel,
                valid_from=o.valid_from,
                valid_to=o.valid_to,
                packages=list(o.packages),
            )
            for o in catalog.offers
        ],
        texts=dict(texts),
    )


def _voucher_campaign(row: SorCampaign) -> VoucherCampaign:
    """The campaign's fields the document keeps, its type as the refresh maps it (an unknown
    one is `other`)."""
    fields = {name: getattr(row, name) for name in VoucherCampaign.model_fields}
    return VoucherCampaign(**fields | {"type": voucher_type(row.type)})


def _statistics(figures: SorProgramStatistics) -> ProgramStatistics:
    campaigns: dict[str, list[CampaignStat]] = {"push": [], "email": [], "sms": []}
    for c in figures.campaigns:
        campaigns[c.channel].append(
            CampaignStat(
                id=c.id,
                channel=c.channel,
                title=c.title,
                target=c.target,
                status=c.status,
                sent=c.sent,
                opened=c.opened,
                sent_at=c.sent_at,
            )
        )
    return ProgramStatistics(
        tracking_per_hotel=_monthly(figures.tracking_per_hotel),
        tracking_per_outlet=_monthly(figures.tracking_per_outlet),
        voucher_redemptions_per_hotel=_monthly(figures.voucher_redemptions_per_hotel),
        dynamic_vouchers_per_hotel=_monthly(figures.dynamic_vouchers_per_hotel),
        push_messages=campaigns["push"],
        email_campaigns=campaigns["email"],
        sms_campaigns=campaigns["sms"],
        devices_by_platform=dict(figures.devices_by_platform),
        sales_per_package=_monthly(figures.sales_per_package),
    )


def _monthly(rows: list[SorMonthlyFigure]) -> list[MonthlyFigure]:
    return [
        MonthlyFigure(month=r.month, subject=r.subject, count=r.count, amount=r.amount)
        for r in rows
    ]


def count_by_month(events: Iterable[tuple[datetime, str]], timezone: str) -> list[SorMonthlyFigure]:
    """How many events each subject had in each month of the program's calendar."""
    counts: Counter[tuple[str, str]] = Counter()
    for at, subject in events:
        day = local_date(at, timezone)
        counts[(f"{day.year:04d}-{day.month:02d}", subject)] += 1
    return [
        SorMonthlyFigure(month=month, subject=subject, count=n)
        for (month, subject), n in sorted(counts.items())
    ]
