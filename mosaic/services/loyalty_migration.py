"""The cut-over migration of points expiries (DESIGN section 8), run once per program by an
operator: every membership of the program holding points gets end-of-month expiries
(`operations.migrate`), in a write conditional on the etag read. A one-off: it reads the
program's memberships with points, a page at a time. Running it again changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from mosaic.domain.loyalty.migration import ExpiryMove, cutover_month
from mosaic.domain.loyalty.operations import migrate
from mosaic.domain.loyalty.rules import LoyaltyRules, rules_of
from mosaic.domain.membership import DigitalMembership
from mosaic.ports.documents import Container, JsonDocument, StoredDocument, Where
from mosaic.services.backends import Backends
from mosaic.services.documents import load, stored_body, update_with_retries
from mosaic.services.programs import load_program

PAGE_SIZE = 200


@dataclass(frozen=True)
class MembershipMigrated:
    membership_number: str
    moves: list[ExpiryMove]


@dataclass
class MigrationReport:
    program: str
    cutover_month: str
    examined: int = 0
    """Memberships holding points."""
    changed: list[MembershipMigrated] = field(default_factory=list)

    @property
    def points(self) -> int:
        """The points whose expiry moved."""
        return sum(move.points for member in self.changed for move in member.moves)


def migrate_expiry(backends: Backends, program: str, month: str | None = None) -> MigrationReport:
    """Move the expiries of the program's points at a cut-over in `month` (`YYYY-MM`; default:
    the program's `loyalty.migrationMonth`). Raises InvalidField (`cutoverMonth`) for a month
    not so written and ProgramNotFound."""
    rules = rules_of(load_program(backends, program))
    month = month or rules.settings.migration_month
    cutover = cutover_month(month)
    now = backends.clock.now()
    report = MigrationReport(program, month)
    holding = backends.documents.iterate(
        Container.MEMBERSHIPS,
        program,
        where=[Where("loyalty.balance", ">", 0)],
        page_size=PAGE_SIZE,
    )
    for stored in holding:
        report.examined += 1
        moves = _migrate_membership(backends, stored, cutover, rules, now)
        if moves:
            report.changed.append(MembershipMigrated(stored.id, moves))
    return report


def _migrate_membership(
    backends: Backends, stored: StoredDocument, cutover: date, rules: LoyaltyRules, now: datetime
) -> list[ExpiryMove]:
    """The membership's expiries moved (none: it was migrated already), written conditionally."""
    moves: list[ExpiryMove] = []

    def decide(current: StoredDocument | None) -> JsonDocument | None:
        moves.clear()
        if current is None:
            return None
        document, migration = migrate(load(DigitalMembership, current), cutover, rules, now)
        moves.extend(migration.moves)
        return stored_body(document) if migration.moves else None

    program = str(stored.body["program"])
    update_with_retries(
        backends.documents, Container.MEMBERSHIPS, program, stored.id, decide, just_read=stored
    )
    return moves
