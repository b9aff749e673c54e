"""A program with a hotel, an outlet, a POS agent and a staff member, and a digital member
holding a static voucher and dynamic vouchers, for the POS and back-office tests."""

from __future__ import annotations

from pathlib import Path

import httpx
import sqlalchemy as sa

from mosaic.adapters.sor import schema as t
from mosaic.demo.keys import key_hash
from tests.functions.mobile_world import add_catalog
from tests.sor_rows import insert_hotel

AGENT_KEY = "agt_" + "1" * 32
OTHER_HOTEL_AGENT_KEY = "agt_" + "2" * 32
STAFF_KEY = "stf_" + "3" * 32
AGENT = {"X-Agent-Key": AGENT_KEY}
STAFF = {"X-Staff-Key": STAFF_KEY}


def add_callers(tmp_path: Path) -> None:
    add_catalog(tmp_path)
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'sor.sqlite'}")
    insert_hotel(engine, "SIAM-H02")
    with engine.begin() as c:
        for key, hotel, outlet in (
            (AGENT_KEY, "SIAM-H01", "SIAM-H01-O1"),
            (OTHER_HOTEL_AGENT_KEY, "SIAM-H02", None),
        ):
            c.execute(
                sa.insert(t.pos_agents).values(
                    key_hash=key_hash(key), program="SIAM", hotel=hotel, outlet=outlet, name="POS"
                )
            )
        c.execute(
            sa.insert(t.staff).values(
                key_hash=key_hash(STAFF_KEY), program="SIAM", name="Back office", role="manager"
            )
        )
    engine.dispose()


def refresh_world(client: httpx.Client, admin: dict[str, str]) -> None:
    """The program refresh (copies the callers' keys) and the member made digital."""
    assert client.post("/api/control/programs/SIAM/refresh", headers=admin).status_code == 200
    response = client.post("/api/control/memberships/SIAM/12345/refresh", headers=admin)
    assert response.status_code == 200, response.text


def redeem(
    client: httpx.Client, code: str, key: str, headers: dict[str, str] = AGENT
) -> httpx.Response:
    return client.post(
        "/api/pos/vouchers/redeem",
        json={"voucherCode": code},
        headers=headers | {"Idempotency-Key": key},
    )
