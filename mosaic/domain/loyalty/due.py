"""`loyalty.nextDue`: the first instant the daily job has something to do for a membership,
so the job queries the memberships due (`Where(NEXT_DUE, "<=", due_by(now))`) instead of
reading them all. Every write of the loyalty section, of the reminders recorded or of the
membership's expiry date (a refresh) sets it again with `with_next_due`."""

from __future__ import annotations

from datetime import datetime

from mosaic.domain.calendar import local_date, start_of_day
from mosaic.domain.loyalty.balances import reminder_starts
from mosaic.domain.loyalty.expiry import after
from mosaic.domain.loyalty.ledger import index_value
from mosaic.domain.loyalty.lots import replay
from mosaic.domain.loyalty.reminders import points_reminders, renewal_reminders
from mosaic.domain.loyalty.rules import LoyaltyRules
from mosaic.domain.membership import DigitalMembership

NEXT_DUE = "loyalty.nextDue"


def next_due(document: DigitalMembership, rules: LoyaltyRules, now: datetime) -> datetime | None:
    """The soonest of: the instant the soonest-expiring points held lapse, the start of each
    points or renewal reminder's day not handled yet (whose time has not passed at `now`),
    the instant the tier lapses (at once for a tier without an expiry). None: nothing ever
    falls due until the document changes. May be before `now`: the job is late for it."""
    loyalty = document.loyalty
    due: list[datetime] = []
    expiries = [lot.expires_at for lot in replay(loyalty.ledger) if lot.left > 0]
    soonest = min((e for e in expiries if e is not None), default=None)
    if soonest is not None:
        due.append(after(soonest))
    days, timezone = rules.settings.reminder_days, rules.timezone
    due.extend(
        reminder_starts(r.expires_at, days, timezone)
        for r in points_reminders(document, rules, now)
        if r.expires_at is not None
    )
    today = local_date(now, timezone)
    due.extend(
        start_of_day(window.first, timezone)
        for _, window in renewal_reminders(document, rules, today)
    )
    if loyalty.tier is not None:
        due.append(after(loyalty.tier_expires_at) if loyalty.tier_expires_at else now)
    return min(due, default=None)


def with_next_due(
    document: DigitalMembership, rules: LoyaltyRules, now: datetime
) -> DigitalMembership:
    """The document with `loyalty.nextDue` set for what it holds at `now`."""
    loyalty = document.loyalty.model_copy(update={"next_due": next_due(document, rules, now)})
    return document.model_copy(update={"loyalty": loyalty})


def due_by(now: datetime) -> str:
    """The value the daily job compares `loyalty.nextDue` with (`<=`) at `now`."""
    return index_value(now)
