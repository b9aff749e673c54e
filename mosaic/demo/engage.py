"""Engage, the marketing side: dynamic voucher campaigns, push messages, email and SMS campaigns."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from mosaic.demo import catalog
from mosaic.demo.dates import at
from mosaic.demo.network import Network, Row

VOUCHER_TYPES = ("food", "room", "spa", "referral", "other")


def engage_rows(rng: random.Random, net: Network, today: date) -> dict[str, list[Row]]:
    return {
        "dynamic_voucher_campaigns": _campaigns(rng, net, today),
        "push_messages": _pushes(rng, net, today),
        "email_campaigns": _emails(rng, net, today),
        "sms_campaigns": _sms(rng, net, today),
    }


def _target(rng: random.Random, net: Network) -> str:
    choice = rng.choices(("all", "full", "invitee", "package"), (5, 3, 1, 2))[0]
    return f"package:{rng.choice(net.packages).code}" if choice == "package" else choice


def _audience(rng: random.Random, net: Network, target: str) -> int:
    share = {"all": 0.45, "full": 0.4, "invitee": 0.03}.get(target, 0.15)
    return int(net.members * share * rng.uniform(0.8, 1.0))


def _days(rng: random.Random, ahead: bool, future: int, past: int) -> int:
    """Days from today: a scheduled send is ahead, a sent one behind."""
    return rng.randint(1, future) if ahead else -rng.randint(5, past)


def _campaigns(rng: random.Random, net: Network, today: date) -> list[Row]:
    rows: list[Row] = []
    for i in range(1, rng.randint(6, 10) + 1):
        kind = VOUCHER_TYPES[(i - 1) % len(VOUCHER_TYPES)]
        hotel = rng.choice(net.in_network) if kind != "referral" and rng.random() < 0.4 else None
        start = today + timedelta(days=rng.randint(-120, 15))
        title = rng.choice(catalog.CAMPAIGN_TITLES[kind])
        rows.append(
            {
                "id": f"{net.code}-DVC{i:03d}",
                "program": net.code,
                "title": f"{title} at {hotel.name}" if hotel else title,
                "type": kind,
                "hotel": hotel.code if hotel else None,
                "target": "invitee" if kind == "referral" else _target(rng, net),
                "valid_from": start,
                "valid_to": start + timedelta(days=rng.choice((30, 60, 90, 180))),
                # Set up a week before it starts; drawn from nothing, so seeds keep their data.
                "updated_at": _set_up(start),
            }
        )
    return [*rows, _invitee_welcome(net, today, len(rows) + 1)]


def _invitee_welcome(net: Network, today: date, number: int) -> Row:
    """A campaign for the program's invitees that runs from a month before the seed's day to
    half a year after it, so that every invitee of the demo has a voucher to show, whatever
    the draws (it takes none: a seed keeps the rest of its data)."""
    start = today - timedelta(days=30)
    return {
        "id": f"{net.code}-DVC{number:03d}",
        "program": net.code,
        "title": catalog.INVITEE_WELCOME_TITLE,
        "type": "food",
        "hotel": None,
        "target": "invitee",
        "valid_from": start,
        "valid_to": today + timedelta(days=180),
        "updated_at": _set_up(start),
    }


def _set_up(start: date) -> datetime:
    """When a campaign was set up: a week before it starts."""
    return datetime.combine(start - timedelta(days=7), time(9), UTC)


def _pushes(rng: random.Random, net: Network, today: date) -> list[Row]:
    rows: list[Row] = []
    for i in range(1, rng.randint(5, 9) + 1):
        title, body = rng.choice(catalog.PUSH_TEXTS)
        target = _target(rng, net)
        sent = i > 1 or rng.random() < 0.5  # the newest one may still be a draft
        count = _audience(rng, net, target) if sent else 0
        rows.append(
            {
                "id": f"{net.code}-PUSH{i:03d}",
                "program": net.code,
                "title": title,
                "body": body,
                "target": target,
                "sent_at": at(today - timedelta(days=i * rng.randint(9, 25)), 3600 * 3)
                if sent
                else None,
                "sent": count,
                "opened": int(count * rng.uniform(0.08, 0.35)),
            }
        )
    return rows


def _emails(rng: random.Random, net: Network, today: date) -> list[Row]:
    rows: list[Row] = []
    for i in range(1, rng.randint(4, 6) + 1):
        status = "draft" if i == 1 else "scheduled" if i == 2 else "sent"
        days = None if status == "draft" else _days(rng, status == "scheduled", 20, 300)
        target = _target(rng, net)
        count = _audience(rng, net, target) if status == "sent" else 0
        rows.append(
            {
                "id": f"{net.code}-EM{i:03d}",
                "program": net.code,
                "subject": rng.choice(catalog.EMAIL_SUBJECTS),
                "target": target,
                "status": status,
                "scheduled_at": None if days is None else at(today + timedelta(days=days), 7200),
                "sent": count,
                "opened": int(count * rng.uniform(0.15, 0.45)),
            }
        )
    return rows


def _sms(rng: random.Random, net: Network, today: date) -> list[Row]:
    rows: list[Row] = []
    for i in range(1, rng.randint(2, 4) + 1):
        status = "scheduled" if i == 1 else "sent"
        days = _days(rng, status == "scheduled", 14, 200)
        target = _target(rng, net)
        rows.append(
            {
                "id": f"{net.code}-SMS{i:03d}",
                "program": net.code,
                "text": rng.choice(catalog.SMS_TEXTS),
                "target": target,
                "status": status,
                "scheduled_at": at(today + timedelta(days=days), 10800),
                "sent": _audience(rng, net, target) if status == "sent" else 0,
            }
        )
    return rows
