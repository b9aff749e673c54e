"""The daily loyalty job (DESIGN sections 1 and 8): expire the points and tiers due, and send
the points (D-7) and renewal reminders due.

It reads only the memberships due: those whose indexed `loyalty.nextDue` has come
(`Where(NEXT_DUE, "<=", due_by(now))`, paged in that order), never every membership. Each
one is handled on its own, in two conditional writes (a booking written meanwhile makes the
write conflict, and the job re-reads and decides again: nothing is lost):

1. the points expired (`run_daily`), the tier re-evaluated, and each reminder due recorded
   `pending` (`skipped` for a member without an e-mail address);
2. after sending them, each reminder's outcome (`sent`, `refused`).

So a run may stop anywhere and the next one carries on: points expired are written in the
same write that moves `nextDue` past them (expired once); a reminder is handled only once its
outcome is recorded, and one left `pending` (the run stopped after handing it over, or the
provider was unavailable) is sent again with the same idempotency key, which the notifier
delivers once. Running twice does nothing more: what was done moved `nextDue` on.

Which programs: the one asked for, or every program with a program document, from the
program directory (services.program_directory), so the job runs while the SoR is down.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields
from datetime import datetime

from mosaic.domain.errors import (
    ConcurrentUpdate,
    DocumentFromNewerSchema,
    ProgramNotFound,
)
from mosaic.domain.loyalty.due import NEXT_DUE, due_by
from mosaic.domain.loyalty.operations import DailyOutcome, record_reminders, run_daily
from mosaic.domain.loyalty.reminders import PENDING, REFUSED, SENT, Reminder
from mosaic.domain.loyalty.rules import LoyaltyRules, rules_of
from mosaic.domain.membership import DigitalMembership
from mosaic.ports.documents import Container, JsonDocument, OrderBy, StoredDocument, Where
from mosaic.services.backends import Backends
from mosaic.services.documents import (
    UnreadableDocument,
    load,
    stored_body,
    update_with_retries,
)
from mosaic.services.loyalty_reminders import CHANNEL, ReminderSender, first_status
from mosaic.services.loyalty_views import summary_of
from mosaic.services.program_directory import known_programs
from mosaic.services.programs import load_program

log = logging.getLogger("mosaic.loyalty")
PAGE_SIZE = 200


@dataclass
class ProgramExpiry:
    """What one program's run did."""

    program: str
    examined: int = 0
    """Memberships read: those due, and no others."""
    entries_written: int = 0
    points_expired: int = 0
    tiers_expired: int = 0
    """Tiers whose validity ended (some re-granted at once from the balance)."""
    reminders_sent: int = 0
    reminders_refused: int = 0
    reminders_skipped: int = 0
    """No e-mail address: recorded, never sent."""
    reminders_pending: int = 0
    """Left for the next run: the provider was unavailable."""
    failed: int = 0
    """Memberships left as they were (a newer schema's, unreadable, or kept changing)."""


@dataclass
class ExpiryReport:
    at: datetime
    programs: list[ProgramExpiry] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(int(getattr(program, name)) for program in self.programs)

    @property
    def totals(self) -> dict[str, int]:
        return {f.name: self.total(f.name) for f in fields(ProgramExpiry) if f.name != "program"}


def expire_points(
    backends: Backends, program: str | None = None, *, now: datetime | None = None
) -> ExpiryReport:
    """Run the daily job at `now` (default: the business clock) over every program, or one.
    Raises ProgramNotFound for a program asked for without a document, and
    SystemOfRecordUnavailable when the list of programs cannot be read."""
    now = now or backends.clock.now()
    report = ExpiryReport(now)
    if program is not None:
        report.programs.append(
            expire_program(backends, rules_of(load_program(backends, program)), program, now)
        )
        return report
    for code in known_programs(backends):
        try:
            rules = rules_of(load_program(backends, code))
        except ProgramNotFound:
            continue  # no document yet: no membership either
        report.programs.append(expire_program(backends, rules, code, now))
    return report


def expire_program(
    backends: Backends, rules: LoyaltyRules, program: str, now: datetime
) -> ProgramExpiry:
    """One program's run: every membership due at `now`, once (a membership written during the
    run with a `nextDue` still due may come up again in the query: it is not read again)."""
    report = ProgramExpiry(program)
    sender = ReminderSender(backends.notifier, rules)
    seen: set[str] = set()
    due = backends.documents.iterate(
        Container.MEMBERSHIPS,
        program,
        where=[Where(NEXT_DUE, "<=", due_by(now))],
        order_by=OrderBy(NEXT_DUE),
        page_size=PAGE_SIZE,
    )
    for stored in due:
        if stored.id in seen:
            continue
        seen.add(stored.id)
        report.examined += 1
        try:
            _expire_membership(backends, stored, rules, now, sender, report)
        except (ConcurrentUpdate, DocumentFromNewerSchema, UnreadableDocument) as error:
            report.failed += 1
            log.warning("daily loyalty job left %s/%s alone: %s", program, stored.id, error)
    if report.examined:
        log.info("daily loyalty job of %s: %s", program, report)
    return report


def _expire_membership(
    backends: Backends,
    stored: StoredDocument,
    rules: LoyaltyRules,
    now: datetime,
    sender: ReminderSender,
    report: ProgramExpiry,
) -> None:
    decided: list[tuple[DailyOutcome, DigitalMembership, bool]] = []

    def decide(current: StoredDocument | None) -> JsonDocument | None:
        decided.clear()
        if current is None:
            return None
        outcome = run_daily(load(DigitalMembership, current), rules, now)
        # While the provider is unavailable, reminders are not even recorded pending: they stay
        # due, and the next run sends them.
        reminders = [] if sender.unavailable else outcome.reminders
        document = outcome.document
        if reminders:
            status = first_status(document)
            document = record_reminders(
                document, [(r, status) for r in reminders], CHANNEL, rules, now
            )
        body = stored_body(document)
        changed = body != current.body
        decided.append((outcome, document, changed))
        return body if changed else None

    update_with_retries(
        backends.documents,
        Container.MEMBERSHIPS,
        stored.body["program"],
        stored.id,
        decide,
        just_read=stored,
    )
    if not decided:
        return
    outcome, document, changed = decided[0]
    if changed:  # back-office search shows the points, tier and expiry as they are now
        backends.search.upsert([summary_of(backends, document)])
    report.entries_written += len(outcome.expired)
    report.points_expired -= sum(entry.points for entry in outcome.expired)
    if outcome.tier is not None and outcome.tier.previous is not None:
        report.tiers_expired += 1
    if sender.unavailable:
        report.reminders_pending += len(outcome.reminders)
        return
    if first_status(document) != PENDING:
        report.reminders_skipped += len(outcome.reminders)
        return
    _send(backends, document, outcome.reminders, rules, now, sender, report)


def _send(
    backends: Backends,
    document: DigitalMembership,
    reminders: list[Reminder],
    rules: LoyaltyRules,
    now: datetime,
    sender: ReminderSender,
    report: ProgramExpiry,
) -> None:
    """Send the reminders recorded pending, then record their outcomes in one write."""
    outcomes = [(reminder, sender.send(document, reminder)) for reminder in reminders]
    final = [(reminder, status) for reminder, status in outcomes if status != PENDING]
    report.reminders_pending += len(outcomes) - len(final)
    report.reminders_sent += sum(1 for _, status in final if status == SENT)
    report.reminders_refused += sum(1 for _, status in final if status == REFUSED)
    if not final:
        return

    def decide(current: StoredDocument | None) -> JsonDocument | None:
        if current is None:
            return None
        recorded = record_reminders(load(DigitalMembership, current), final, CHANNEL, rules, now)
        return stored_body(recorded)

    update_with_retries(
        backends.documents, Container.MEMBERSHIPS, document.program, document.id, decide
    )
