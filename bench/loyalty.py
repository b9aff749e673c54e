"""The daily loyalty job's figures (`python -m bench loyalty`, and the end of a full run).

A fresh embedded document store is filled directly (no SoR: the job reads only documents)
with memberships of one program holding 10 ledger entries each, then `expire_points` runs
in-process (a timer job, not HTTP) at 08:00 Bangkok on 1 July 2026, the day June's points
expire. The shares due that day: 5% with points expiring, 3% with a renewal reminder due
(their membership ends on 31 July), 1% whose tier lapses; the rest have nothing due until
August or later. It runs at two sizes (a tenth of the members, then all of them), each in a
store of its own, so the ratio of the times shows whether the cost follows the work due (the
memberships examined) or the number of memberships; then all of them again with only the
smaller run's work due (the members past it have nothing due), which should take as long as
the smaller run; and once more at once at each size, with nothing left due: what the
memberships not due cost the job.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from mosaic.adapters.clock import FixedClock
from mosaic.adapters.embedded.documents import SqliteDocumentStore
from mosaic.adapters.embedded.notifier import OutboxNotifier
from mosaic.adapters.embedded.queue import SqliteQueue
from mosaic.adapters.embedded.search import SqliteSearchIndex
from mosaic.adapters.keyed_hash import HmacKeyedHash
from mosaic.adapters.sor.sql import SqlSystemOfRecord
from mosaic.adapters.tokens import JwtSessionTokens
from mosaic.domain.base import Money
from mosaic.domain.loyalty.due import with_next_due
from mosaic.domain.loyalty.entries import LedgerEntry, LedgerKind
from mosaic.domain.loyalty.expiry import expiry_of
from mosaic.domain.loyalty.ledger import Loyalty
from mosaic.domain.loyalty.rules import LoyaltyRules
from mosaic.domain.membership import (
    Counters,
    DigitalMembership,
    MembershipInfo,
    MembershipMode,
    MembershipStatus,
    Meta,
    PackageRef,
    TrackingTransaction,
)
from mosaic.domain.program import LoyaltySettings, Tier
from mosaic.domain.programs import first_program_document
from mosaic.domain.records import SorProgram
from mosaic.ports.documents import Container
from mosaic.services.backends import Backends
from mosaic.services.documents import stored_body
from mosaic.services.loyalty_expiry import ExpiryReport, expire_points

PROGRAM = "LOYAL"
TIMEZONE = "Asia/Bangkok"
BANGKOK = ZoneInfo(TIMEZONE)
RUN = datetime(2026, 7, 1, 1, 0, tzinfo=UTC)
"""08:00 in Bangkok on 1 July 2026: the timer's run the day after June's points expired."""
SEEDED = datetime(2026, 6, 30, 1, 0, tzinfo=UTC)
"""When the documents were last written (their nextDue is as of then)."""
ENTRIES = 10
TARGET_SECONDS = 60.0
PROFILE_LINES = 30
SPREAD = 37
"""Member n has the kind at n * 37 mod 100 in the plan of a hundred: every run of members,
however short, holds the kinds in about their shares."""
SECRET = "bench-secret-that-is-long-enough-for-hs256"
SETTINGS = LoyaltySettings(
    earning_minimum=Money(amount=Decimal("100.00"), currency="THB"),
    expiry_mode="lot",
    tiers=[Tier(name="silver", threshold=5, image="https://img.example/silver.png")],
)
RULES = LoyaltyRules(SETTINGS, TIMEZONE, "THB")


@dataclass(frozen=True)
class Kind:
    """One shape of membership, and how many in a hundred have it."""

    name: str
    per_hundred: int
    earned: tuple[date, ...]
    """Bookings (one point each), in Bangkok."""
    ends_on: date = date(2027, 2, 28)
    tier_until: date | None = None


KINDS = (
    # June's 3 points expire on 1 July; 7 more last until September.
    Kind("points expiring", 5, (date(2026, 2, 5),) * 3 + (date(2026, 5, 5),) * 7),
    # The membership ends on 31 July: the 30-day renewal reminder is due on 1 July.
    Kind("renewal reminder", 3, (date(2026, 5, 5),) * ENTRIES, ends_on=date(2026, 7, 31)),
    # Silver until 30 June, the points to keep it (granted again at once).
    Kind("tier lapsing", 1, (date(2026, 5, 5),) * ENTRIES, tier_until=date(2026, 6, 30)),
    # Nothing due before late August.
    Kind("nothing due", 91, (date(2026, 4, 5),) * 4 + (date(2026, 6, 5),) * 6),
)


def _document(kind: Kind) -> dict[str, Any]:
    """A stored membership of `kind` (numbered 0: `_numbered` renumbers it)."""
    ledger = [
        LedgerEntry(
            id=f"e{i + 1}",
            kind=LedgerKind.EARN,
            points=1,
            at=datetime.combine(day, datetime.min.time(), BANGKOK).replace(hour=12),
            expires_at=expiry_of(
                datetime.combine(day, datetime.min.time(), BANGKOK).replace(hour=12),
                SETTINGS.expiry_months,
                TIMEZONE,
            ),
            reason="booking of 2500.00 THB",
            reference=f"B{i + 1}",
        )
        for i, day in enumerate(kind.earned)
    ]
    tier_until = kind.tier_until
    loyalty = Loyalty(
        ledger=ledger,
        tier="silver" if tier_until else None,
        tier_granted_at=datetime(2026, 2, 5, 12, tzinfo=BANGKOK) if tier_until else None,
        tier_expires_at=datetime.combine(tier_until, datetime.max.time(), BANGKOK)
        if tier_until
        else None,
    )
    document = DigitalMembership(
        id="0",
        program=PROGRAM,
        meta=Meta(membership_number="0", mode=MembershipMode.FULL, last_update=SEEDED),
        membership=MembershipInfo(
            activation_code="00000",
            card_number="0",
            member_name="Member",
            email="member@example.com",
            package=PackageRef(code=f"{PROGRAM}-GOLD", name="Gold"),
            status=MembershipStatus.ACTIVE,
            starts_on=date(2025, kind.ends_on.month, 1),
            expires_on=kind.ends_on,
        ),
        tracking_transactions=[
            TrackingTransaction(
                id=f"T{i}",
                hotel="H01",
                outlet="H01-O1",
                amount=Money(amount=Decimal("1250.50"), currency="THB"),
                at=datetime(2026, 1 + i % 6, 1 + i, 20, tzinfo=BANGKOK),
            )
            for i in range(12)
        ],
        counters=Counters(
            tracking_transactions=12,
            food_and_beverage_spend=Money(amount=Decimal("15006.00"), currency="THB"),
            room_spend=Money(amount=Decimal("0"), currency="THB"),
        ),
        loyalty=loyalty,
    )
    return stored_body(with_next_due(document, RULES, SEEDED))


def _numbered(template: str, n: int) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(template)
    number = f"{PROGRAM}-{n:07d}"
    body["id"] = body["meta"]["membershipNumber"] = number
    body["membership"]["activationCode"] = f"{n % 100_000:05d}"
    body["membership"]["cardNumber"] = f"4{n:015d}"
    body["membership"]["memberName"] = f"Member {n}"
    body["membership"]["email"] = f"member{n}@example.com"
    return body


def seed(store: SqliteDocumentStore, members: int, planned: int | None = None) -> dict[str, int]:
    """`members` memberships, the kinds spread evenly over the first `planned` (default: all),
    the rest with nothing due; how many of each."""
    templates = [(kind, json.dumps(_document(kind))) for kind in KINDS]
    plan = [kind for kind, _ in templates for _ in range(kind.per_hundred)]
    texts = dict((kind.name, text) for kind, text in templates)
    counts = dict.fromkeys(texts, 0)
    for n in range(members):
        kind = plan[n * SPREAD % len(plan)] if planned is None or n < planned else KINDS[-1]
        counts[kind.name] += 1
        store.create(Container.MEMBERSHIPS, _numbered(texts[kind.name], n))
    row = SorProgram(PROGRAM, "Loyalty bench", "THB", TIMEZONE)
    program = first_program_document(row, SEEDED).model_copy(update={"loyalty": SETTINGS})
    store.create(Container.PROGRAMS, program.model_dump(mode="json", by_alias=True))
    return counts


def backends(directory: Path, now: datetime) -> Backends:
    """The embedded backends in `directory`, the business clock at `now`."""
    clock = FixedClock(now)
    return Backends(
        documents=SqliteDocumentStore(directory / "documents.sqlite"),
        queue=SqliteQueue(directory / "queues.sqlite"),
        search=SqliteSearchIndex(directory / "search.sqlite"),
        sor=SqlSystemOfRecord(sa.create_engine("sqlite://"), file_clock=clock),
        notifier=OutboxNotifier(directory / "outbox.sqlite"),
        clock=clock,
        wall_clock=clock,
        sessions=JwtSessionTokens(SECRET),
        keyed_hash=HmacKeyedHash(SECRET),
    )


def run_size(
    directory: Path, members: int, profile: bool = False, planned: int | None = None
) -> dict[str, Any]:
    """Seed `members` memberships (the work due planned over the first `planned`) in a store
    of their own and run the job once."""
    directory.mkdir(parents=True, exist_ok=True)
    job = backends(directory, RUN)
    started = time.perf_counter()
    assert isinstance(job.documents, SqliteDocumentStore)
    kinds = seed(job.documents, members, planned)
    seeded = time.perf_counter() - started
    started = time.perf_counter()
    if profile:
        report, top = _profiled(job, directory)
    else:
        report, top = expire_points(job, PROGRAM), []
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    again = expire_points(job, PROGRAM).totals  # nothing due any more: the cost of the count
    again_seconds = time.perf_counter() - started
    totals = report.totals
    return {
        "members": members,
        "ledgerEntries": members * ENTRIES,
        "kinds": kinds,
        "seedSeconds": round(seeded, 1),
        "seconds": round(seconds, 2),
        "examined": totals["examined"],
        "msPerExamined": round(seconds * 1000 / max(1, totals["examined"]), 2),
        "totals": totals,
        "again": {"seconds": round(again_seconds, 3), "examined": again["examined"]},
        "profile": top,
    }


def _profiled(job: Backends, directory: Path) -> tuple[ExpiryReport, list[str]]:
    """The run under pyinstrument (in-process: the job runs in this process), and the top
    lines of where its time went (the whole tree in `profile.txt`)."""
    from pyinstrument import Profiler

    profiler = Profiler()
    profiler.start()
    report = expire_points(job, PROGRAM)
    profiler.stop()
    text: str = profiler.output_text()
    (directory / "profile.txt").write_text(text)
    return report, [line.rstrip() for line in text.splitlines() if line.strip()][:PROFILE_LINES]


def measure(directory: Path, members: int = 100_000) -> dict[str, Any]:
    """The job at a tenth of `members` and at `members`; a profile of the larger run when it
    missed the target."""
    small = run_size(directory / "small", max(1, members // 10))
    large = run_size(directory / "large", members)
    same_work = run_size(directory / "same-work", members, planned=small["members"])
    if large["seconds"] >= TARGET_SECONDS:
        large["profile"] = run_size(directory / "profiled", members, profile=True)["profile"]
    return {
        "runAt": RUN.isoformat(),
        "targetSeconds": TARGET_SECONDS,
        "small": small,
        "large": large,
        "sameWork": same_work,
        "membersRatio": round(large["members"] / small["members"], 2),
        "examinedRatio": round(large["examined"] / max(1, small["examined"]), 2),
        "timeRatio": round(large["seconds"] / max(1e-9, small["seconds"]), 2),
        "sameWorkTimeRatio": round(same_work["seconds"] / max(1e-9, small["seconds"]), 2),
    }


def lines(figures: dict[str, Any]) -> list[str]:
    """The figures as lines: for a terminal and for the README's loyalty block."""
    out = []
    for name in ("small", "large", "sameWork"):
        run = figures[name]
        totals = run["totals"]
        work = " (the smaller run's work due)" if name == "sameWork" else ""
        out.append(
            f"daily job over {run['members']:,} memberships{work} ({run['ledgerEntries']:,} ledger "
            f"entries): {run['seconds']:.2f} s, {run['examined']:,} examined "
            f"({run['msPerExamined']} ms each); {totals['points_expired']:,} points expired, "
            f"{totals['tiers_expired']:,} tiers lapsed, {totals['reminders_sent']:,} reminders "
            f"sent (seeded in {run['seedSeconds']} s); run again at once: "
            f"{run['again']['seconds']:.3f} s, {run['again']['examined']:,} examined"
        )
    met = figures["large"]["seconds"] < figures["targetSeconds"]
    out.append(
        f"ratios large/small: memberships {figures['membersRatio']}, examined "
        f"{figures['examinedRatio']}, time {figures['timeRatio']}; the larger with the smaller's "
        f"work due / the smaller: time {figures['sameWorkTimeRatio']} (target < "
        f"{figures['targetSeconds']:.0f} s at {figures['large']['members']:,}: "
        f"{'met' if met else 'MISSED'})"
    )
    out += [f"  {line}" for line in figures["large"]["profile"]]
    return out


def markdown(figures: dict[str, Any], headline: str) -> str:
    """The README's loyalty block."""
    body = [f"- {line.strip()}" for line in lines(figures)]
    return "\n".join([f"Last run: {headline}.", "", *body])
