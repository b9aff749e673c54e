"""SoR rows the shared factories do not insert: reservations, membership transactions, offers."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from mosaic.adapters.sor import schema as t
from tests.factories import insert_member, sor_membership, sor_record

NUMBER = "SIAM-0000001"


def insert_reservation(
    engine: sa.Engine, id: str, check_in: date, updated_at: datetime, number: str = NUMBER
) -> None:
    with engine.begin() as c:
        c.execute(
            sa.insert(t.reservations).values(
                id=id,
                program="SIAM",
                membership_number=number,
                hotel="SIAM-H01",
                check_in=check_in,
                nights=2,
                amount=Decimal("9000"),
                currency="THB",
                status="confirmed",
                booked_at=updated_at,
                updated_at=updated_at,
            )
        )


def insert_membership_transaction(
    engine: sa.Engine, id: str, at: datetime, updated_at: datetime, number: str = NUMBER
) -> None:
    with engine.begin() as c:
        c.execute(
            sa.insert(t.membership_transactions).values(
                id=id,
                program="SIAM",
                membership_number=number,
                kind="renewal",
                amount=Decimal("25000"),
                currency="THB",
                at=at,
                updated_at=updated_at,
            )
        )


def insert_offer(
    engine: sa.Engine, code: str, valid_from: date, valid_to: date, updated_at: datetime
) -> None:
    with engine.begin() as c:
        c.execute(
            sa.insert(t.offers).values(
                program="SIAM",
                code=code,
                title=f"Offer {code}",
                valid_from=valid_from,
                valid_to=valid_to,
                updated_at=updated_at,
            )
        )


def insert_bare_member(engine: sa.Engine, number: str, code: str, updated_at: datetime) -> None:
    """A membership without vouchers, tracking or card."""
    membership = sor_membership(
        membership_number=number, activation_code=code, card_number=None, updated_at=updated_at
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


def insert_device(engine: sa.Engine, number: str, device_id: str, registered_at: datetime) -> None:
    with engine.begin() as c:
        c.execute(
            sa.insert(t.devices).values(
                id=f"{number}-{device_id}",
                program="SIAM",
                membership_number=number,
                device_id=device_id,
                platform="android",
                registered_at=registered_at,
                updated_at=registered_at,
            )
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
