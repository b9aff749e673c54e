"""Which reminders are due: points about to expire, memberships about to end.

A reminder has a key, unique in its membership (one per expiry date for points, one per
expiry date and reminder day for renewals); the membership's notifications record the keys
handled, so whether one was sent is read from the document. A record still `pending` (handed
to the notifier, its outcome not yet recorded: the job may have stopped there) does not count
as handled: the reminder is due again, and is sent with the same idempotency key, which the
notifier delivers once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from mosaic.domain.calendar import local_date
from mosaic.domain.loyalty.balances import breakdown, reminder_starts
from mosaic.domain.loyalty.expiry import expiry_day, shown_expiry
from mosaic.domain.loyalty.rules import LoyaltyRules
from mosaic.domain.membership import DigitalMembership, MembershipMode, MembershipStatus

PENDING = "pending"
SENT = "sent"
REFUSED = "refused"
SKIPPED = "skipped"
"""Not sent, and never will be: the member has no address for the channel (recorded, so the
reminder is handled and not picked again every day)."""


class ReminderKind(StrEnum):
    POINTS_EXPIRY = "points-expiry"
    RENEWAL = "renewal"


@dataclass(frozen=True)
class Reminder:
    kind: ReminderKind
    key: str
    expires_on: date
    """The day the points or the membership expire, in the program's timezone."""
    days_before: int
    points: int | None = None
    expires_at: datetime | None = None
    """The points' expiry instant."""

    @property
    def template(self) -> str:
        return self.kind.value


def points_reminder_key(day: date) -> str:
    return f"{ReminderKind.POINTS_EXPIRY}:{day.isoformat()}"


def renewal_reminder_key(day: date, days_before: int) -> str:
    return f"{ReminderKind.RENEWAL}:{day.isoformat()}:{days_before}"


def handled_keys(document: DigitalMembership) -> set[str]:
    """The keys of the notifications recorded with an outcome (anything but pending)."""
    return {n.key for n in document.notifications if n.key and n.status != PENDING}


def points_reminders(
    document: DigitalMembership, rules: LoyaltyRules, now: datetime
) -> list[Reminder]:
    """One reminder per expiry date of the points active at `now` not reminded of yet, each
    with its reminder day: `reminderDays` before the expiry date (due from its local
    midnight until the points expire)."""
    by_day: dict[date, tuple[datetime, int]] = {}
    for row in breakdown(document.loyalty, now):
        if row.expires_at is not None:
            day = expiry_day(row.expires_at, rules.timezone)
            first, points = by_day.get(day, (row.expires_at, 0))
            by_day[day] = (min(first, row.expires_at), points + row.points)
    handled = handled_keys(document)
    days = rules.settings.reminder_days
    return [
        Reminder(ReminderKind.POINTS_EXPIRY, key, day, days, points, expires_at)
        for day, (expires_at, points) in sorted(by_day.items())
        if (key := points_reminder_key(day)) not in handled
    ]


def points_reminders_due(
    document: DigitalMembership, rules: LoyaltyRules, now: datetime
) -> list[Reminder]:
    """The points reminders to send at `now`."""
    days = rules.settings.reminder_days
    return [
        r
        for r in points_reminders(document, rules, now)
        if r.expires_at and now >= reminder_starts(r.expires_at, days, rules.timezone)
    ]


@dataclass(frozen=True)
class RenewalWindow:
    """The days a renewal reminder may go out: from its day until the next reminder's day
    (the last one: until the membership's last day). A reminder whose window passed without
    it (the job did not run) is not sent late: the next one says the same, nearer the date."""

    days_before: int
    first: date
    last: date


def renewal_windows(expires_on: date, reminder_days: list[int]) -> list[RenewalWindow]:
    ordered = sorted(set(reminder_days), reverse=True)
    windows = []
    for i, days in enumerate(ordered):
        first = expires_on - timedelta(days=days)
        later = ordered[i + 1] if i + 1 < len(ordered) else None
        last = expires_on if later is None else expires_on - timedelta(days=later + 1)
        windows.append(RenewalWindow(days, first, last))
    return windows


def renewal_reminders(
    document: DigitalMembership, rules: LoyaltyRules, today: date
) -> list[tuple[Reminder, RenewalWindow]]:
    """The renewal reminders of an active full membership not handled yet whose window has
    not passed on `today` (invitee memberships and memberships not active get none)."""
    info = document.membership
    if document.meta.mode is not MembershipMode.FULL or info.status is not MembershipStatus.ACTIVE:
        return []
    handled = handled_keys(document)
    pending = []
    for window in renewal_windows(info.expires_on, rules.settings.renewal_reminder_days):
        key = renewal_reminder_key(info.expires_on, window.days_before)
        if key not in handled and today <= window.last:
            reminder = Reminder(ReminderKind.RENEWAL, key, info.expires_on, window.days_before)
            pending.append((reminder, window))
    return pending


def renewal_reminders_due(
    document: DigitalMembership, rules: LoyaltyRules, now: datetime
) -> list[Reminder]:
    """The renewal reminder to send at `now`, if any: the one whose window holds today."""
    today = local_date(now, rules.timezone)
    return [r for r, window in renewal_reminders(document, rules, today) if window.first <= today]


def reminders_due(
    document: DigitalMembership, rules: LoyaltyRules, now: datetime
) -> list[Reminder]:
    return [
        *points_reminders_due(document, rules, now),
        *renewal_reminders_due(document, rules, now),
    ]


def idempotency_key(document: DigitalMembership, reminder: Reminder) -> str:
    """The notifier's idempotency key of a reminder: unique in the program, the same every
    time the reminder is sent, so the notifier delivers it once."""
    return f"{document.meta.membership_number}:{reminder.key}"


def reminder_data(
    document: DigitalMembership, reminder: Reminder, rules: LoyaltyRules
) -> dict[str, Any]:
    """What a reminder's template shows (JSON values)."""
    tier = rules.tier(document.loyalty.tier)
    data: dict[str, Any] = {
        "memberName": document.membership.member_name,
        "membershipNumber": document.meta.membership_number,
        "expiresOn": reminder.expires_on.isoformat(),
        "daysBefore": reminder.days_before,
        "tier": document.loyalty.tier,
        "tierImage": tier.image if tier else None,
    }
    if reminder.kind is ReminderKind.POINTS_EXPIRY and reminder.expires_at is not None:
        data["points"] = reminder.points
        data["expiresAt"] = shown_expiry(reminder.expires_at, rules.timezone).isoformat()
    return data
