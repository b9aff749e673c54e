"""Sending the daily job's reminders: points about to expire (D-7) and renewals (D-30, D-7).

A reminder goes by e-mail, rendered from its Jinja2 template, with an idempotency key that is
the same every time the reminder is sent (`reminders.idempotency_key`), so a notifier that got
it once delivers it once however often the job hands it over. Its outcome is recorded in the
membership's notifications: `sent`, `refused` (by the provider: sending again would be
refused again), `skipped` (the member has no e-mail address) or, while the provider is
unavailable, left `pending`: it is due again at the next run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from mosaic.domain.loyalty.reminders import (
    PENDING,
    REFUSED,
    SENT,
    SKIPPED,
    Reminder,
    idempotency_key,
    reminder_data,
)
from mosaic.domain.loyalty.rules import LoyaltyRules
from mosaic.domain.membership import Channel, DigitalMembership
from mosaic.emails import render_email
from mosaic.ports.notifier import (
    Notification,
    NotificationRefused,
    Notifier,
    NotifierUnavailable,
)

log = logging.getLogger("mosaic.loyalty")
CHANNEL = Channel.EMAIL


def address_of(document: DigitalMembership) -> str | None:
    """Where the member's e-mail reminders go (None: nowhere)."""
    email = (document.membership.email or "").strip()
    return email or None


def first_status(document: DigitalMembership) -> str:
    """What a reminder due is recorded as before it is sent: `pending`, or `skipped` at once
    for a member without an e-mail address."""
    return PENDING if address_of(document) else SKIPPED


@dataclass
class ReminderSender:
    """Sends one program's reminders for one run. Once the provider is unavailable, the rest
    of the run sends nothing more (it would fail the same way, each after the notifier's own
    retries): those reminders stay due, and the next run sends them."""

    notifier: Notifier
    rules: LoyaltyRules
    unavailable: bool = False

    def notification(self, document: DigitalMembership, reminder: Reminder) -> Notification:
        data = reminder_data(document, reminder, self.rules)
        email = render_email(reminder.template, data)
        return Notification(
            program=document.program,
            membership_number=document.meta.membership_number,
            channel=CHANNEL,
            template=reminder.template,
            to=address_of(document) or "",
            data=data,
            idempotency_key=idempotency_key(document, reminder),
            subject=email.subject,
            html=email.html,
            text=email.text,
        )

    def send(self, document: DigitalMembership, reminder: Reminder) -> str:
        """The reminder's outcome: SENT, REFUSED, or PENDING (not sent: the provider is
        unavailable, now or earlier in this run)."""
        if self.unavailable:
            return PENDING
        try:
            self.notifier.send(self.notification(document, reminder))
        except NotificationRefused as error:
            log.warning("reminder %s of %s refused: %s", reminder.key, document.id, error)
            return REFUSED
        except NotifierUnavailable as error:
            log.warning("notifier unavailable, reminders left for the next run: %s", error)
            self.unavailable = True
            return PENDING
        return SENT
