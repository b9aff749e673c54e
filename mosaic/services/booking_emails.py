"""The booking confirmation e-mail: sent after the booking is written, never instead of it.

Its idempotency key is the booking's (`<membershipNumber>:booking:<bookingId>`), so the
booking system's retry of a booking whose answer it lost (a crash between the write and the
send, or a notifier that was down) sends the e-mail then, and a replay of a booking already
confirmed sends nothing more: the notifier delivers a key once.
"""

from __future__ import annotations

import logging
from typing import Any

from mosaic.domain.base import Money
from mosaic.domain.loyalty.standing import Standing
from mosaic.domain.membership import Channel, DigitalMembership
from mosaic.emails import BOOKING_CONFIRMATION, render_email
from mosaic.ports.notifier import Notification
from mosaic.services.backends import Backends

log = logging.getLogger("mosaic.loyalty")


def booking_email_key(membership_number: str, booking: str) -> str:
    return f"{membership_number}:booking:{booking}"


def booking_email_data(
    member: DigitalMembership,
    booking: str,
    amount: Money,
    points: int,
    expires_on: str | None,
    standing: Standing,
) -> dict[str, Any]:
    """What the booking confirmation template shows (mosaic.emails)."""
    return {
        "memberName": member.membership.member_name,
        "membershipNumber": member.id,
        "tier": standing.tier,
        "tierImage": standing.tier_image,
        "booking": booking,
        "amount": f"{amount.amount:.2f}",
        "currency": amount.currency,
        "points": points,
        "expiresOn": expires_on,
        "balance": standing.balance,
    }


def send_booking_confirmation(
    backends: Backends, member: DigitalMembership, booking: str, data: dict[str, Any]
) -> bool:
    """E-mail the confirmation to the member's address (none: nothing sent). A failure is
    logged, never raised: the booking stands, and the booking system's retry (same key)
    sends it. Whether the notifier took it."""
    to = member.membership.email
    if not to:
        return False
    try:
        email = render_email(BOOKING_CONFIRMATION, data)
        backends.notifier.send(
            Notification(
                program=member.program,
                membership_number=member.id,
                channel=Channel.EMAIL,
                template=BOOKING_CONFIRMATION,
                to=to,
                data=data,
                idempotency_key=booking_email_key(member.id, booking),
                subject=email.subject,
                html=email.html,
                text=email.text,
            )
        )
    except Exception:  # the booking is written: whatever the e-mail's fault, it stands
        log.exception("booking %s of %s: the confirmation e-mail was not sent", booking, member.id)
        return False
    return True
