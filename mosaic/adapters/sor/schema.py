"""The SoR's tables (DESIGN.md section 4), one SQLAlchemy Core metadata for every dialect."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from mosaic.adapters.sor.types import UtcStamp

metadata = MetaData()

Money = Numeric(14, 2)
Stamp = UtcStamp()  # aware in, aware UTC out, on every dialect


def _code(name: str, length: int = 32, *args: Any, **kw: Any) -> Column[str]:
    return Column(name, String(length), *args, **kw)


programs = Table(
    "programs",
    metadata,
    _code("code", 16, primary_key=True),
    Column("name", String(120), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("timezone", String(64), nullable=False),
)

hotels = Table(
    "hotels",
    metadata,
    _code("code", primary_key=True),
    _code("program", 16, ForeignKey("programs.code"), nullable=False),
    Column("name", String(120), nullable=False),
    Column("city", String(80), nullable=False),
    Column("country", String(2), nullable=False),
    Column("in_network", Boolean, nullable=False),
)

outlets = Table(
    "outlets",
    metadata,
    _code("code", primary_key=True),
    _code("hotel", 32, ForeignKey("hotels.code"), nullable=False),
    _code("program", 16, nullable=False),
    Column("name", String(120), nullable=False),
    Column("cuisine", String(60)),
)

packages = Table(
    "packages",
    metadata,
    _code("code", primary_key=True),
    _code("program", 16, ForeignKey("programs.code"), nullable=False),
    Column("name", String(120), nullable=False),
    Column("price", Money, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("months", Integer, nullable=False),
)

memberships = Table(
    "memberships",
    metadata,
    _code("membership_number", primary_key=True),
    _code("program", 16, ForeignKey("programs.code"), nullable=False),
    Column("activation_code", String(5), nullable=False),
    Column("card_number", String(19)),
    Column("member_name", String(120), nullable=False),
    Column("email", String(254)),
    Column("phone", String(32)),
    _code("package", 32, ForeignKey("packages.code"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("expires_on", Date, nullable=False),
    Column("created_at", Stamp, nullable=False),
    Column("updated_at", Stamp, nullable=False),
    UniqueConstraint("program", "activation_code", name="uq_membership_activation"),
    UniqueConstraint("card_number", name="uq_membership_card"),
)
Index("ix_memberships_updated", memberships.c.program, memberships.c.updated_at)
Index("ix_memberships_starts", memberships.c.program, memberships.c.starts_on)

static_vouchers = Table(
    "static_vouchers",
    metadata,
    _code("program", 16, primary_key=True),
    Column("code", String(9), primary_key=True),
    _code("membership_number", 32, ForeignKey("memberships.membership_number"), nullable=False),
    Column("type", String(16), nullable=False),
    _code("hotel"),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    Column("status", String(16), nullable=False),
    Column("redeemed_at", Stamp),
    _code("redeemed_hotel"),
    _code("redeemed_outlet"),
    Column("updated_at", Stamp, nullable=False),
)
# Both equality predicates of a membership's voucher read: with membership_number alone,
# SQLite's planner preferred the primary key and scanned the whole program.
Index(
    "ix_static_vouchers_membership",
    static_vouchers.c.program,
    static_vouchers.c.membership_number,
    static_vouchers.c.code,
)
Index("ix_static_vouchers_updated", static_vouchers.c.program, static_vouchers.c.updated_at)

tracking_transactions = Table(
    "tracking_transactions",
    metadata,
    _code("id", 40, primary_key=True),
    _code("program", 16, nullable=False),
    _code("membership_number", nullable=False),
    _code("hotel", nullable=False),
    _code("outlet", nullable=False),
    Column("amount", Money, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("at", Stamp, nullable=False),
    Column("updated_at", Stamp, nullable=False),
)
Index("ix_tracking_membership", tracking_transactions.c.membership_number)
Index("ix_tracking_updated", tracking_transactions.c.program, tracking_transactions.c.updated_at)

reservations = Table(
    "reservations",
    metadata,
    _code("id", 40, primary_key=True),
    _code("program", 16, nullable=False),
    _code("membership_number", nullable=False),
    _code("hotel", nullable=False),
    Column("check_in", Date, nullable=False),
    Column("nights", Integer, nullable=False),
    Column("rooms", Integer, nullable=False, default=1),
    Column("amount", Money, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False),
    Column("booked_at", Stamp, nullable=False),
    Column("updated_at", Stamp, nullable=False),
)
Index("ix_reservations_membership", reservations.c.membership_number)
Index("ix_reservations_updated", reservations.c.program, reservations.c.updated_at)

membership_transactions = Table(
    "membership_transactions",
    metadata,
    _code("id", 40, primary_key=True),
    _code("program", 16, nullable=False),
    _code("membership_number", nullable=False),
    Column("kind", String(16), nullable=False),
    Column("amount", Money, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("at", Stamp, nullable=False),
    Column("updated_at", Stamp, nullable=False),
)
Index("ix_member_tx_membership", membership_transactions.c.membership_number)
Index(
    "ix_member_tx_updated",
    membership_transactions.c.program,
    membership_transactions.c.updated_at,
)

offers = Table(
    "offers",
    metadata,
    _code("program", 16, primary_key=True),
    _code("code", primary_key=True),
    Column("title", String(160), nullable=False),
    Column("description", String(400)),
    _code("hotel"),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    Column("updated_at", Stamp, nullable=False),
)
Index("ix_offers_updated", offers.c.program, offers.c.updated_at)
# The hourly update's "first day" and "day after the last" of an offer (changes.py).
Index("ix_offers_starts", offers.c.program, offers.c.valid_from)
Index("ix_offers_ends", offers.c.program, offers.c.valid_to)

# Which packages an offer is for; an offer with no row here is for every package.
offer_packages = Table(
    "offer_packages",
    metadata,
    _code("program", 16, primary_key=True),
    _code("offer", primary_key=True),
    _code("package", primary_key=True),
    Column("updated_at", Stamp, nullable=False),
)
Index("ix_offer_packages_updated", offer_packages.c.program, offer_packages.c.updated_at)

room_availability = Table(
    "room_availability",
    metadata,
    _code("hotel", primary_key=True),
    Column("night", Date, primary_key=True),
    Column("rooms_total", Integer, nullable=False),
    Column("rooms_booked", Integer, nullable=False),
)

# Engage: campaigns and messages of the marketing side.
dynamic_voucher_campaigns = Table(
    "dynamic_voucher_campaigns",
    metadata,
    _code("id", 40, primary_key=True),
    _code("program", 16, nullable=False),
    Column("title", String(160), nullable=False),
    Column("type", String(16), nullable=False),
    _code("hotel"),
    Column("target", String(48), nullable=False),  # all | full | invitee | package:<code>
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    Column("updated_at", Stamp, nullable=False, default=lambda: datetime.now(UTC)),
)
Index(
    "ix_dyn_campaigns_updated",
    dynamic_voucher_campaigns.c.program,
    dynamic_voucher_campaigns.c.updated_at,
)
Index(
    "ix_dyn_campaigns_starts",
    dynamic_voucher_campaigns.c.program,
    dynamic_voucher_campaigns.c.valid_from,
)
Index(
    "ix_dyn_campaigns_ends",
    dynamic_voucher_campaigns.c.program,
    dynamic_voucher_campaigns.c.valid_to,
)

push_messages = Table(
    "push_messages",
    metadata,
    _code("id", 40, primary_key=True),
    _code("program", 16, nullable=False),
    Column("title", String(160), nullable=False),
    Column("body", String(400), nullable=False),
    Column("target", String(48), nullable=False),
    Column("sent_at", Stamp),
    Column("sent", Integer, nullable=False),
    Column("opened", Integer, nullable=False),
)

email_campaigns = Table(
    "email_campaigns",
    metadata,
    _code("id", 40, primary_key=True),
    _code("program", 16, nullable=False),
    Column("subject", String(160), nullable=False),
    Column("target", String(48), nullable=False),
    Column("status", String(16), nullable=False),  # draft | scheduled | sent
    Column("scheduled_at", Stamp),
    Column("sent", Integer, nullable=False),
    Column("opened", Integer, nullable=False),
)

sms_campaigns = Table(
    "sms_campaigns",
    metadata,
    _code("id", 40, primary_key=True),
    _code("program", 16, nullable=False),
    Column("text", String(160), nullable=False),
    Column("target", String(48), nullable=False),
    Column("status", String(16), nullable=False),
    Column("scheduled_at", Stamp),
    Column("sent", Integer, nullable=False),
)

devices = Table(
    "devices",
    metadata,
    _code("id", 40, primary_key=True),
    _code("program", 16, nullable=False),
    _code("membership_number", nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("platform", String(16), nullable=False),
    Column("manufacturer", String(40)),
    Column("model", String(40)),
    Column("os_version", String(16)),
    Column("push_token", String(200)),
    Column("registered_at", Stamp, nullable=False),
    Column("updated_at", Stamp, nullable=False, default=lambda: datetime.now(UTC)),
)
# Both equality predicates of a membership's devices read: with membership_number alone,
# SQLite's planner took (program, updated_at) and scanned the whole program per refresh.
Index("ix_devices_membership", devices.c.program, devices.c.membership_number)
Index("ix_devices_updated", devices.c.program, devices.c.updated_at)

# Tombstones: one row per deleted row of a table that feeds a document, written by the SoR in
# the transaction that deletes it (changes.py says by whom). `row_key`: the deleted row's
# primary key without its program, values joined by "|"; `membership_number`: the membership
# the row belonged to, NULL for a program-wide row (offer, offer package, campaign).
sor_deletions = Table(
    "sor_deletions",
    metadata,
    _code("program", 16, primary_key=True),
    _code("table_name", 40, primary_key=True),
    Column("row_key", String(120), primary_key=True),
    Column("deleted_at", Stamp, primary_key=True),
    _code("membership_number"),
)
Index("ix_sor_deletions_deleted", sor_deletions.c.program, sor_deletions.c.deleted_at)

# A program's configuration as the back office sets it, one JSON body per section: `settings`
# (member-facing settings, the referral voucher among them), `loyalty`, `policy:<voucher type>`.
program_configuration = Table(
    "program_configuration",
    metadata,
    _code("program", 16, primary_key=True),
    _code("section", primary_key=True),
    Column("body", Text, nullable=False),
    Column("updated_at", Stamp, nullable=False),
)

# Every request of the digital layer applied to the SoR (a static voucher redeemed or
# un-redeemed...), written in the transaction that applies it: a request applied twice, or by
# two racing workers, finds its id here and changes nothing (redemptions.py).
applied_requests = Table(
    "applied_requests",
    metadata,
    Column("request_id", String(64), primary_key=True),
    _code("program", 16, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("requested_at", Stamp, nullable=False),  # when the caller made the change
    Column("applied_at", Stamp, nullable=False),  # the SoR's clock
)
Index("ix_applied_requests_applied", applied_requests.c.program, applied_requests.c.applied_at)

# Callers' keys, stored as SHA-256 hex digests only.
pos_agents = Table(
    "pos_agents",
    metadata,
    Column("key_hash", String(64), primary_key=True),
    _code("program", 16, nullable=False),
    _code("hotel", nullable=False),
    _code("outlet"),
    Column("name", String(120), nullable=False),
)

staff = Table(
    "staff",
    metadata,
    Column("key_hash", String(64), primary_key=True),
    _code("program", 16, nullable=False),
    Column("name", String(120), nullable=False),
    Column("role", String(32), nullable=False),
)

# The program refresh's statistics: one range scan per figure, by program and time.
Index("ix_tracking_program_at", tracking_transactions.c.program, tracking_transactions.c.at)
Index(
    "ix_member_tx_program_kind_at",
    membership_transactions.c.program,
    membership_transactions.c.kind,
    membership_transactions.c.at,
)
Index("ix_static_vouchers_redeemed", static_vouchers.c.program, static_vouchers.c.redeemed_at)
