"""What `demo show` prints: sample members and caller keys of a seeded SoR, JSON-ready."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from mosaic.adapters.sor import schema
from mosaic.demo import catalog
from mosaic.demo.keys import demo_key, key_hash
from mosaic.demo.network import agent_ident, staff_ident

Json = dict[str, Any]
NETWORK = "network"  # the hotel of a network-wide voucher


def demo_sample(engine: sa.Engine, *, seed: int, per_program: int = 3) -> Json:
    """Per program: a few hotels, `per_program` active members with their static vouchers,
    POS agent keys and the program's staff keys. Keys are derived from `seed` again and checked
    against the stored hashes (a ValueError says when the SoR was seeded with another seed)."""
    with engine.connect() as conn:
        programs = conn.execute(sa.select(schema.programs)).mappings().all()
        rank = {spec.code: i for i, spec in enumerate(catalog.PROGRAMS)}
        ranked = sorted(programs, key=lambda p: (rank.get(p["code"], len(rank)), p["code"]))
        return {
            "seed": seed,
            "programs": [_program(conn, p, seed, per_program) for p in ranked],
        }


def _program(conn: sa.Connection, program: sa.RowMapping, seed: int, per_program: int) -> Json:
    code = program["code"]
    hotels = (
        conn.execute(
            sa.select(schema.hotels).where(schema.hotels.c.program == code).order_by("code")
        )
        .mappings()
        .all()
    )
    inside = [h for h in hotels if h["in_network"]]
    outside = [h for h in hotels if not h["in_network"]]
    return {
        "code": code,
        "name": program["name"],
        "currency": program["currency"],
        "timezone": program["timezone"],
        "hotels": [_hotel(h) for h in inside[:3] + outside[:2]],
        "members": _members(conn, code, per_program),
        "posAgents": _agents(conn, seed, inside[:1] + outside[:1]),
        "staff": _staff(conn, seed, code),
    }


def _hotel(h: sa.RowMapping) -> Json:
    return {"code": h["code"], "name": h["name"], "city": h["city"], "inNetwork": h["in_network"]}


def _members(conn: sa.Connection, program: str, limit: int) -> list[Json]:
    m = schema.memberships
    rows = (
        conn.execute(
            sa.select(m)
            .where(m.c.program == program, m.c.status == "active")
            .order_by(m.c.membership_number)
            .limit(limit)
        )
        .mappings()
        .all()
    )
    vouchers = _vouchers(conn, program, [r["membership_number"] for r in rows])
    return [
        {
            "membershipNumber": r["membership_number"],
            "activationCode": r["activation_code"],
            "cardNumber": r["card_number"],
            "memberName": r["member_name"],
            "email": r["email"],
            "package": r["package"],
            "status": r["status"],
            "startsOn": r["starts_on"].isoformat(),
            "expiresOn": r["expires_on"].isoformat(),
            "staticVouchers": vouchers.get(r["membership_number"], {}),
        }
        for r in rows
    ]


def _vouchers(conn: sa.Connection, program: str, numbers: Sequence[str]) -> dict[str, Json]:
    """Voucher codes per membership, grouped by type."""
    v = schema.static_vouchers
    rows = conn.execute(
        sa.select(v)
        .where(v.c.program == program, v.c.membership_number.in_(numbers))
        .order_by(v.c.membership_number, v.c.type, v.c.code)
    ).mappings()
    out: dict[str, Json] = {}
    for r in rows:
        by_type = out.setdefault(r["membership_number"], {})
        by_type.setdefault(r["type"], []).append(
            {
                "code": r["code"],
                "hotel": r["hotel"] or NETWORK,
                "status": r["status"],
                "validFrom": r["valid_from"].isoformat(),
                "validTo": r["valid_to"].isoformat(),
            }
        )
    return out


def _agents(conn: sa.Connection, seed: int, hotels: Sequence[sa.RowMapping]) -> list[Json]:
    """The front desk of each hotel given, and the first outlet of the first one."""
    places: list[tuple[str, str | None]] = [(h["code"], None) for h in hotels]
    if hotels:
        o = schema.outlets
        first_outlet = conn.execute(
            sa.select(o.c.code).where(o.c.hotel == hotels[0]["code"]).order_by(o.c.code)
        ).scalar()
        if first_outlet is not None:
            places.insert(1, (hotels[0]["code"], first_outlet))
    keys = [demo_key(seed, "agent", agent_ident(hotel, outlet)) for hotel, outlet in places]
    stored = _stored(conn, schema.pos_agents, seed, keys)
    return [
        {"key": key, "name": row["name"], "hotel": row["hotel"], "outlet": row["outlet"]}
        for key, row in zip(keys, stored, strict=True)
    ]


def _staff(conn: sa.Connection, seed: int, program: str) -> list[Json]:
    keys = [demo_key(seed, "staff", staff_ident(program, login)) for login, _, _ in catalog.STAFF]
    stored = _stored(conn, schema.staff, seed, keys)
    return [
        {"key": key, "name": row["name"], "role": row["role"]}
        for key, row in zip(keys, stored, strict=True)
    ]


def _stored(
    conn: sa.Connection, table: sa.Table, seed: int, keys: Sequence[str]
) -> list[sa.RowMapping]:
    """The row of each key (found by its hash), in the keys' order; each key must have one."""
    hashes = [key_hash(k) for k in keys]
    found = conn.execute(sa.select(table).where(table.c.key_hash.in_(hashes))).mappings()
    rows = {r["key_hash"]: r for r in found}
    if len(rows) != len(hashes):
        raise ValueError(
            f"the {table.name} keys of seed {seed} are not in the SoR: "
            "was it seeded with another seed?"
        )
    return [rows[h] for h in hashes]
