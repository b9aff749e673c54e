"""A program with loyalty settings and memberships holding points, on the embedded backends,
for the daily job's and the migration's tests (times in Bangkok unless said)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mosaic.adapters.clock import FixedClock
from mosaic.adapters.embedded.notifier import OutboxNotifier
from mosaic.domain.loyalty.due import with_next_due
from mosaic.domain.loyalty.ledger import Loyalty
from mosaic.domain.loyalty.rules import LoyaltyRules, rules_of
from mosaic.domain.membership import DigitalMembership
from mosaic.domain.program import LoyaltySettings
from mosaic.ports.documents import Container
from mosaic.ports.notifier import Notification, Notifier, NotifierUnavailable
from mosaic.services.backends import Backends
from mosaic.services.documents import stored_body
from mosaic.services.programs import load_program
from tests.domain.loyalty_factories import GOLD, SILVER
from tests.domain.loyalty_factories import membership as membership_holding
from tests.factories import embedded_backends, store_program

PROGRAM = "SIAM"


def utc(year: int, month: int, day: int, hour: int = 1) -> datetime:
    """An instant in UTC: the timer fires at 01:00 UTC (08:00 in Bangkok)."""
    return datetime(year, month, day, hour, tzinfo=UTC)


def loyalty_world(tmp_path: Path, now: datetime, **settings: Any) -> Backends:
    """Backends at `now` with program SIAM (Bangkok), its loyalty settings overridden."""
    backends = embedded_backends(tmp_path, now=now)
    store_program(backends)
    configure_loyalty(backends, **settings)
    return backends


def configure_loyalty(backends: Backends, **settings: Any) -> None:
    """The program's loyalty settings: tiers silver (5) and gold (10), and `settings`."""
    stored = backends.documents.read(Container.PROGRAMS, PROGRAM, PROGRAM)
    current = LoyaltySettings.model_validate(stored.body["loyalty"]).model_dump()
    loyalty = LoyaltySettings.model_validate(current | {"tiers": [SILVER, GOLD], **settings})
    body = stored.body | {"loyalty": loyalty.model_dump(mode="json", by_alias=True)}
    backends.documents.upsert(Container.PROGRAMS, body)


def rules(backends: Backends) -> LoyaltyRules:
    return rules_of(load_program(backends, PROGRAM))


def at_time(backends: Backends, now: datetime, notifier: Notifier | None = None) -> Backends:
    """The same stores with the business clock at `now` (and another notifier)."""
    return dataclasses.replace(
        backends, clock=FixedClock(now), notifier=notifier or backends.notifier
    )


def put_membership(
    backends: Backends, number: str, loyalty: Loyalty | None = None, **info: Any
) -> DigitalMembership:
    """A membership holding `loyalty`, stored with its nextDue as of the backends' clock."""
    document = membership_holding(loyalty, **info)
    meta = document.meta.model_copy(update={"membership_number": number})
    document = document.model_copy(update={"id": number, "meta": meta})
    document = with_next_due(document, rules(backends), backends.clock.now())
    backends.documents.upsert(Container.MEMBERSHIPS, stored_body(document))
    return document


def read_membership(backends: Backends, number: str) -> DigitalMembership:
    stored = backends.documents.read(Container.MEMBERSHIPS, PROGRAM, number)
    return DigitalMembership.model_validate(stored.body)


class Crash(BaseException):
    """The process dies (not an error the job could catch)."""


class CountingNotifier:
    """Delivers through the outbox, counting every hand-over; after `fail_after` hand-overs
    it raises `failure` (a Crash is raised after delivering: the outcome never recorded)."""

    def __init__(
        self,
        outbox: Notifier,
        fail_after: int | None = None,
        failure: type[BaseException] = Crash,
    ) -> None:
        self.outbox, self.fail_after, self.failure = outbox, fail_after, failure
        self.handed: list[str | None] = []

    def send(self, notification: Notification) -> str:
        self.handed.append(notification.idempotency_key)
        failing = self.fail_after is not None and len(self.handed) > self.fail_after
        if failing and self.failure is NotifierUnavailable:
            raise NotifierUnavailable("the provider is down")
        delivery = self.outbox.send(notification)
        if failing:
            raise self.failure("the process died after handing the reminder over")
        return delivery


def delivered(backends: Backends) -> Counter[str | None]:
    """How many times the outbox delivered each idempotency key."""
    outbox = backends.notifier
    assert isinstance(outbox, OutboxNotifier)
    return Counter(n.idempotency_key for _, n in outbox.sent(PROGRAM))
