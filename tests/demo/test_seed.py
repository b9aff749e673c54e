"""The demo data generator: deterministic, realistic and consistent with the code formats."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from mosaic.adapters.sor import schema
from mosaic.demo.codes import luhn_digit
from mosaic.demo.keys import demo_key, key_hash
from mosaic.demo.seed import add_missing_tables, is_seeded, seed_demo
from mosaic.demo.show import demo_sample

TODAY = date(2025, 3, 15)
SEED = 7
MEMBERS = 300
DUMPED = ("memberships", "static_vouchers", "tracking_transactions", "reservations", "pos_agents")


def _engine(path: Path) -> sa.Engine:
    return sa.create_engine(f"sqlite:///{path}")


def _seeded(path: Path, *, seed: int = SEED, members: int = MEMBERS) -> sa.Engine:
    engine = _engine(path)
    seed_demo(engine, members=members, seed=seed, today=TODAY)
    return engine


def _dump(engine: sa.Engine, name: str) -> list[tuple[Any, ...]]:
    table = schema.metadata.tables[name]
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(table).order_by(*table.primary_key))]


def _rows(engine: sa.Engine, table: sa.Table) -> list[sa.RowMapping]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(table)).mappings())


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> sa.Engine:
    return _seeded(tmp_path_factory.mktemp("sor") / "sor.db")


def test_same_seed_gives_the_same_members(tmp_path: Path, engine: sa.Engine) -> None:
    again = _seeded(tmp_path / "again.db")
    for name in DUMPED:
        assert _dump(again, name) == _dump(engine, name), name


def test_a_different_seed_gives_different_members(tmp_path: Path, engine: sa.Engine) -> None:
    other = _seeded(tmp_path / "other.db", seed=SEED + 1)
    assert _dump(other, "memberships") != _dump(engine, "memberships")
    assert _dump(other, "pos_agents") != _dump(engine, "pos_agents")


def test_the_report_counts_the_rows(tmp_path: Path) -> None:
    report = seed_demo(_engine(tmp_path / "r.db"), members=100, seed=SEED, today=TODAY)
    assert report.counts["memberships"] == 100
    assert report.counts["programs"] == 3
    assert report.counts["static_vouchers"] >= 200
    assert report.total_rows == sum(report.counts.values())
    assert report.seconds > 0


def test_members_are_split_unevenly_between_three_programs(engine: sa.Engine) -> None:
    per_program = Counter(r["program"] for r in _rows(engine, schema.memberships))
    assert per_program == {"SIAM": 150, "LUMA": 90, "ORCHID": 60}


def test_activation_codes_are_five_digits_and_unique_per_program(engine: sa.Engine) -> None:
    rows = _rows(engine, schema.memberships)
    codes = [(r["program"], r["activation_code"]) for r in rows]
    assert all(len(code) == 5 and code.isdigit() for _, code in codes)
    assert len(set(codes)) == len(codes)


def test_card_numbers_are_unique_sixteen_digits_with_a_check_digit(engine: sa.Engine) -> None:
    cards = [r["card_number"] for r in _rows(engine, schema.memberships)]
    assert all(len(c) == 16 and c.isdigit() and luhn_digit(c[:-1]) == c[-1] for c in cards)
    assert len(set(cards)) == len(cards)


def test_membership_numbers_name_their_program(engine: sa.Engine) -> None:
    for row in _rows(engine, schema.memberships):
        program, number = row["membership_number"].split("-")
        assert program == row["program"]
        assert len(number) == 7


def test_static_voucher_codes_are_five_or_nine_digits_unique_per_program(
    engine: sa.Engine,
) -> None:
    rows = _rows(engine, schema.static_vouchers)
    assert {len(r["code"]) for r in rows} == {5, 9}
    assert all(r["code"].isdigit() for r in rows)
    assert len({(r["program"], r["code"]) for r in rows}) == len(rows)
    assert {r["type"] for r in rows} == {"food", "room", "spa", "other"}


def test_five_digit_voucher_codes_are_not_activation_codes(engine: sa.Engine) -> None:
    activation = {(r["program"], r["activation_code"]) for r in _rows(engine, schema.memberships)}
    vouchers = {(r["program"], r["code"]) for r in _rows(engine, schema.static_vouchers)}
    assert not activation & vouchers


def test_every_program_has_hotels_in_and_out_of_network(engine: sa.Engine) -> None:
    hotels = _rows(engine, schema.hotels)
    for program in ("SIAM", "LUMA", "ORCHID"):
        flags = [h["in_network"] for h in hotels if h["program"] == program]
        assert 8 <= len(flags) <= 12
        assert set(flags) == {True, False}


def test_expired_members_have_expired_before_today(engine: sa.Engine) -> None:
    rows = _rows(engine, schema.memberships)
    statuses = Counter(r["status"] for r in rows)
    assert statuses["active"] > len(rows) / 2
    assert statuses["expired"] > 0
    for row in rows:
        assert (
            row["expires_on"] < TODAY if row["status"] == "expired" else row["expires_on"] >= TODAY
        )
        assert row["starts_on"] < TODAY


def test_vouchers_are_valid_within_their_membership(engine: sa.Engine) -> None:
    members = {r["membership_number"]: r for r in _rows(engine, schema.memberships)}
    vouchers = _rows(engine, schema.static_vouchers)
    for v in vouchers:
        member = members[v["membership_number"]]
        assert member["starts_on"] <= v["valid_from"] <= v["valid_to"] <= member["expires_on"]
    redeemed = [v for v in vouchers if v["status"] == "redeemed"]
    assert redeemed
    assert all(v["redeemed_at"] and v["redeemed_hotel"] for v in redeemed)
    assert any(v["hotel"] is None for v in vouchers)


def test_timestamps_are_in_the_past(engine: sa.Engine) -> None:
    midnight = datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=UTC)
    earliest = midnight - timedelta(days=600)
    for table in (schema.memberships, schema.static_vouchers, schema.tracking_transactions):
        for row in _rows(engine, table):
            assert earliest < row["updated_at"] < midnight


def test_room_availability_covers_the_next_120_days_without_overbooking(
    engine: sa.Engine,
) -> None:
    rows = _rows(engine, schema.room_availability)
    hotels = _rows(engine, schema.hotels)
    assert len(rows) == 120 * len(hotels)
    assert min(r["night"] for r in rows) == TODAY
    assert all(0 <= r["rooms_booked"] <= r["rooms_total"] for r in rows)


def test_keys_shown_hash_to_the_stored_agents_and_staff_of_their_program(engine: sa.Engine) -> None:
    sample = demo_sample(engine, seed=SEED)
    agents = {r["key_hash"]: r for r in _rows(engine, schema.pos_agents)}
    staff = {r["key_hash"]: r for r in _rows(engine, schema.staff)}
    for program in sample["programs"]:
        assert 2 <= len(program["posAgents"]) <= 3
        for agent in program["posAgents"]:
            assert agent["key"].startswith("agt_")
            stored = agents[key_hash(agent["key"])]
            assert (stored["program"], stored["hotel"], stored["outlet"]) == (
                program["code"],
                agent["hotel"],
                agent["outlet"],
            )
        for member in program["staff"]:
            assert staff[key_hash(member["key"])]["program"] == program["code"]
        assert {s["role"] for s in program["staff"]} == {"backoffice", "reservations"}
    shown = {key_hash(s["key"]) for p in sample["programs"] for s in p["staff"]}
    assert shown == set(staff)  # every staff member works for one program, and is shown


def test_no_key_is_stored_in_plaintext(engine: sa.Engine) -> None:
    key = demo_key(SEED, "agent", "SIAM-BKKRIV")
    assert len(key) == 36
    stored = {r["key_hash"] for r in _rows(engine, schema.pos_agents)}
    assert key not in stored
    assert all(len(h) == 64 for h in stored)


def test_sample_members_are_active_and_their_vouchers_exist(engine: sa.Engine) -> None:
    sample = demo_sample(engine, seed=SEED, per_program=2)
    vouchers = {(r["program"], r["code"]): r for r in _rows(engine, schema.static_vouchers)}
    assert [p["code"] for p in sample["programs"]] == ["SIAM", "LUMA", "ORCHID"]
    for program in sample["programs"]:
        assert len(program["members"]) == 2
        for member in program["members"]:
            assert member["status"] == "active"
            for kind, shown in member["staticVouchers"].items():
                for voucher in shown:
                    stored = vouchers[(program["code"], voucher["code"])]
                    assert stored["membership_number"] == member["membershipNumber"]
                    assert stored["type"] == kind
                    assert voucher["hotel"] == (stored["hotel"] or "network")


def test_the_sample_refuses_another_seed(engine: sa.Engine) -> None:
    with pytest.raises(ValueError, match="another seed"):
        demo_sample(engine, seed=SEED + 1)


def test_a_too_large_program_is_refused(tmp_path: Path) -> None:
    engine = _engine(tmp_path / "big.db")
    with pytest.raises(ValueError, match="at most 100000"):
        seed_demo(engine, members=200_001, seed=SEED, today=TODAY)
    assert not is_seeded(engine)


def test_is_seeded_tells_an_empty_sor_from_a_seeded_one(tmp_path: Path) -> None:
    engine = _engine(tmp_path / "empty.db")
    assert not is_seeded(engine)
    seed_demo(engine, members=10, seed=SEED, today=TODAY)
    assert is_seeded(engine)


def test_a_seeded_sor_is_replaced_only_when_asked(tmp_path: Path) -> None:
    engine = _seeded(tmp_path / "twice.db", members=10)
    with pytest.raises(ValueError, match="already"):
        seed_demo(engine, members=10, seed=SEED, today=TODAY)
    report = seed_demo(engine, members=20, seed=SEED, today=TODAY, replace=True)
    assert report.counts["memberships"] == len(_rows(engine, schema.memberships)) == 20


def test_every_program_has_a_configuration_the_program_refresh_accepts(engine: sa.Engine) -> None:
    from mosaic.domain.program import LoyaltySettings
    from mosaic.domain.program_configuration import program_configuration

    sections: dict[str, dict[str, str]] = {}
    for row in _rows(engine, schema.program_configuration):
        sections.setdefault(row["program"], {})[row["section"]] = row["body"]
    assert set(sections) == {r["code"] for r in _rows(engine, schema.programs)}
    for configured in sections.values():
        loyalty = LoyaltySettings.model_validate(
            {"earningMinimum": {"amount": 1, "currency": "THB"}}
        )
        parsed = program_configuration(configured, None, loyalty)
        assert parsed.policies  # the demo sets policies of several voucher types


def test_some_offers_are_for_one_package_and_name_real_ones(engine: sa.Engine) -> None:
    offers = {(r["program"], r["code"]) for r in _rows(engine, schema.offers)}
    packages = {(r["program"], r["code"]) for r in _rows(engine, schema.packages)}
    links = _rows(engine, schema.offer_packages)
    assert 0 < len(links) < len(offers)
    for link in links:
        assert (link["program"], link["offer"]) in offers
        assert (link["program"], link["package"]) in packages


def test_every_program_has_a_voucher_campaign_for_invitees_running_today(
    engine: sa.Engine,
) -> None:
    running = {
        r["program"]
        for r in _rows(engine, schema.dynamic_voucher_campaigns)
        if r["target"] == "invitee" and r["valid_from"] <= TODAY <= r["valid_to"]
    }
    assert running == {r["code"] for r in _rows(engine, schema.programs)}


def test_a_demo_sor_seeded_before_a_table_existed_gets_it_empty_and_keeps_its_rows(
    tmp_path: Path,
) -> None:
    engine = _seeded(tmp_path / "older.db", members=10)
    with engine.begin() as conn:
        schema.sor_deletions.drop(conn)
        schema.applied_requests.drop(conn)
    members = _dump(engine, "memberships")

    assert sorted(add_missing_tables(engine)) == ["applied_requests", "sor_deletions"]
    assert add_missing_tables(engine) == []
    assert _rows(engine, schema.sor_deletions) == []
    assert _rows(engine, schema.applied_requests) == []
    assert _dump(engine, "memberships") == members


def test_a_seeded_sor_records_no_applied_request_yet(engine: sa.Engine) -> None:
    """The table that makes an SoR write exactly-once exists, empty: nothing was applied."""
    assert sa.inspect(engine).has_table("applied_requests")
    assert _rows(engine, schema.applied_requests) == []
