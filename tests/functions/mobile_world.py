"""A SoR with a catalog for the mobile tests: a hotel, an offer for every package, and
voucher campaigns for everyone, for full members and for invitees; and logging in through
the API."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx
import sqlalchemy as sa

from tests.factories import NOW
from tests.sor_rows import insert_campaign, insert_hotel, insert_offer

CODE = "12345"
OPEN = (date(2026, 11, 1), date(2026, 12, 31))


def add_catalog(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'sor.sqlite'}")
    insert_hotel(engine, "SIAM-H01")
    insert_offer(engine, "SPA20", *OPEN, NOW)
    for id, target in (("C-ALL", "all"), ("C-INV", "invitee"), ("C-FULL", "full")):
        insert_campaign(engine, id, *OPEN, NOW, target=target)
    engine.dispose()


def login(client: httpx.Client, code: str = CODE, **extra: object) -> dict[str, str]:
    """The headers of a member logged in with `code`."""
    body = {"program": "SIAM", "activationCode": code, **extra}
    response = client.post("/api/mobile/login", json=body)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def signed_in_with_catalog(
    client: httpx.Client, admin: dict[str, str], tmp_path: Path
) -> dict[str, str]:
    """The headers of the SoR's member logged in, its program refreshed with add_catalog's
    catalog."""
    add_catalog(tmp_path)
    response = client.post("/api/control/programs/SIAM/refresh", headers=admin)
    assert response.status_code == 200, response.text
    return login(client)
