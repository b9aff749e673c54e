"""SoR rows the shared factories do not insert: reservations, membership transactions, offers,
hotels and outlets, redemptions, tracking, dynamic voucher campaigns and the Engage tables;
and deletions, each with its tombstone in `sor_deletions`, as the SoR writes one (changes.py).
Each goes in through the schema, so the same rows land on SQLite and on PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from mosaic.adapters.sor import schema as t
from tests.factories import insert_member, sor_membership, sor_record

NUMBER = "SIAM-0000001"


def _insert(engine: sa.Engine, table: sa.Table, *rows: dict[str, Any]) -> None:
    """Rows of SIAM (the program filled in) into one table, in one transaction."""
    with engine.begin() as c:
        c.execute(sa.insert(table), [{"program": "SIAM"} | row for row in rows])


def insert_reservation(
    engine: sa.Engine, id: str, check_in: date, updated_at: datetime, number: str = NUMBER
) -> None:
    _insert(
        engine,
        t.reservations,
        {
            "id": id,
            "membership_number": number,
            "hotel": "SIAM-H01",
            "check_in": check_in,
            "nights": 2,
            "amount": Decimal("9000"),
            "currency": "THB",
            "status": "confirmed",
            "booked_at": updated_at,
            "updated_at": updated_at,
        },
    )


def insert_membership_transaction(
    engine: sa.Engine,
    id: str,
    at: datetime,
    updated_at: datetime,
    number: str = NUMBER,
    kind: str = "renewal",
    amount: Decimal = Decimal("25000"),
) -> None:
    _insert(
        engine,
        t.membership_transactions,
        {
            "id": id,
            "membership_number": number,
            "kind": kind,
            "amount": amount,
            "currency": "THB",
            "at": at,
            "updated_at": updated_at,
        },
    )


def insert_offer(
    engine: sa.Engine,
    code: str,
    valid_from: date,
    valid_to: date,
    updated_at: datetime,
    hotel: str | None = None,
) -> None:
    """An offer of SIAM, at `hotel` only (None: at every hotel)."""
    title = f"Offer {code}"
    row = {"code": code, "title": title, "valid_from": valid_from, "valid_to": valid_to}
    row |= {"hotel": hotel}
    _insert(engine, t.offers, row | {"updated_at": updated_at})


def insert_bare_member(
    engine: sa.Engine, number: str, code: str, updated_at: datetime, **overrides: Any
) -> None:
    """A membership without vouchers, tracking or card (`overrides`: other SorMembership
    fields, e.g. program, package_code, starts_on)."""
    membership = sor_membership(
        membership_number=number,
        activation_code=code,
        card_number=None,
        updated_at=updated_at,
        **overrides,
    )
    record = replace(sor_record(), membership=membership, static_vouchers=[], tracking=[])
    insert_member(engine, record)


def touch_membership(
    engine: sa.Engine, number: str, updated_at: datetime, name: str = "Changed"
) -> None:
    """An SoR change of the membership row: a new name, stamped `updated_at`."""
    m = t.memberships.c
    with engine.begin() as c:
        c.execute(
            sa.update(t.memberships)
            .where(m.membership_number == number)
            .values(member_name=name, updated_at=updated_at)
        )


def link_offer_to_packages(
    engine: sa.Engine, offer: str, packages: list[str], updated_at: datetime
) -> None:
    with engine.begin() as c:
        c.execute(
            sa.insert(t.offer_packages),
            [
                {"program": "SIAM", "offer": offer, "package": p, "updated_at": updated_at}
                for p in packages
            ],
        )


def configure_program(engine: sa.Engine, section: str, body: str, updated_at: datetime) -> None:
    """Set one section of the SIAM program's configuration (a JSON text body)."""
    c = t.program_configuration.c
    with engine.begin() as conn:
        conn.execute(
            sa.delete(t.program_configuration).where(c.program == "SIAM", c.section == section)
        )
        conn.execute(
            sa.insert(t.program_configuration).values(
                program="SIAM", section=section, body=body, updated_at=updated_at
            )
        )


def redeem_voucher(engine: sa.Engine, code: str, at: datetime, hotel: str) -> None:
    """The static voucher `code` redeemed at `hotel`, stamped `at`."""
    v = t.static_vouchers.c
    with engine.begin() as c:
        c.execute(
            sa.update(t.static_vouchers)
            .where(v.program == "SIAM", v.code == code)
            .values(status="redeemed", redeemed_at=at, redeemed_hotel=hotel, updated_at=at)
        )


def insert_hotel(engine: sa.Engine, code: str, *, in_network: bool = True) -> None:
    """A SIAM hotel with one outlet, `<code>-O1`."""
    place = {"city": "Bangkok", "country": "TH", "in_network": in_network}
    _insert(engine, t.hotels, {"code": code, "name": f"Hotel {code}"} | place)
    outlet = {"code": f"{code}-O1", "hotel": code, "name": "Grill", "cuisine": None}
    _insert(engine, t.outlets, outlet)


def insert_tracking(
    engine: sa.Engine,
    id: str,
    at: datetime,
    *,
    hotel: str = "SIAM-H01",
    amount: Decimal = Decimal("100.00"),
    updated_at: datetime | None = None,
    number: str = NUMBER,
) -> None:
    """A spend at the hotel's first outlet."""
    spend = {"hotel": hotel, "outlet": f"{hotel}-O1", "amount": amount, "currency": "THB"}
    stamps = {"at": at, "updated_at": updated_at or at}
    _insert(
        engine, t.tracking_transactions, {"id": id, "membership_number": number} | spend | stamps
    )


def insert_campaign(
    engine: sa.Engine,
    id: str,
    valid_from: date,
    valid_to: date,
    updated_at: datetime,
    program: str = "SIAM",
    target: str = "all",
) -> None:
    """An Engage dynamic voucher campaign of food, network-wide, for the target (default:
    every member of the program)."""
    what = {"id": id, "title": f"Campaign {id}", "type": "food", "hotel": None, "target": target}
    what |= {"program": program}
    when = {"valid_from": valid_from, "valid_to": valid_to, "updated_at": updated_at}
    _insert(engine, t.dynamic_voucher_campaigns, what | when)


def insert_messages(engine: sa.Engine, sent_at: datetime) -> None:
    """SIAM's Engage messages: a push message sent `sent_at` and a draft one, an email
    campaign sent and an SMS campaign scheduled at `sent_at`."""
    push = {"body": "Body", "target": "all"}
    _insert(
        engine,
        t.push_messages,
        push | {"id": "P1", "title": "Sent", "sent_at": sent_at, "sent": 10, "opened": 4},
        push | {"id": "P2", "title": "Draft", "sent_at": None, "sent": 0, "opened": 0},
    )
    email = {"id": "E1", "subject": "News", "target": "full", "status": "sent"}
    _insert(engine, t.email_campaigns, email | {"scheduled_at": sent_at, "sent": 20, "opened": 7})
    sms = {"id": "S1", "text": "Hello", "target": "package:SIAM-GOLD", "status": "scheduled"}
    _insert(engine, t.sms_campaigns, sms | {"scheduled_at": sent_at, "sent": 0})


def insert_devices(engine: sa.Engine, platforms: list[str], number: str = NUMBER) -> None:
    """One registered device of the membership per platform named."""
    registered = datetime(2026, 1, 1, tzinfo=UTC)
    _insert(
        engine,
        t.devices,
        *(
            {"id": f"D{n}", "membership_number": number, "device_id": f"device-{n}"}
            | {"platform": platform, "registered_at": registered}
            for n, platform in enumerate(platforms)
        ),
    )


def delete_rows(
    engine: sa.Engine, table: sa.Table, deleted_at: datetime, *where: sa.ColumnElement[bool]
) -> int:
    """Delete the rows of `table` that match `where` as the SoR does (a delete trigger in
    production): one tombstone per row in `sor_deletions`, in the same transaction, with its
    primary key (program aside) joined by "|" and its membership, if it belongs to one."""
    key = [column for column in table.primary_key.columns if column.name != "program"]
    number = table.c.get("membership_number", sa.null())
    with engine.begin() as c:
        rows = c.execute(sa.select(table.c.program, number, *key).where(*where)).all()
        c.execute(sa.delete(table).where(*where))
        if rows:
            c.execute(
                sa.insert(t.sor_deletions),
                [
                    {
                        "program": row[0],
                        "table_name": table.name,
                        "row_key": "|".join(str(value) for value in row[2:]),
                        "membership_number": row[1],
                        "deleted_at": deleted_at,
                    }
                    for row in rows
                ],
            )
    return len(rows)
