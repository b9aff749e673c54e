"""The POS scenarios of the bench (bench/pos.py, bench/pos_run.py): the vouchers planned are
ones the host redeems, each once, as planned; and a small `pos` run answers every request
with a 200."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench import data, pos
from mosaic import bootstrap
from mosaic.adapters.sor import schema
from mosaic.demo.seed import seed_demo
from mosaic.services.callers import identify
from mosaic.services.program_refresh import refresh_program
from mosaic.services.redemptions import redeem_voucher, validate_voucher
from mosaic.services.refresh import RefreshReason, refresh_membership
from mosaic.settings import get_settings
from tests.commands import run_module

MEMBERS, DIGITAL = 150, 40


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[sa.Engine]:
    """A small demo SoR (bench/data.py's seed) with its programs refreshed and DIGITAL of its
    active members made digital; bench/data.py's MOSAIC_* variables put back afterwards."""
    saved = dict(os.environ)
    data.configure(tmp_path)
    engine = bootstrap.sor_engine(get_settings())
    seed_demo(engine, members=MEMBERS, seed=data.SEED, today=datetime.now(UTC).date())
    backends = bootstrap.backends()
    for program in backends.sor.program_codes():
        refresh_program(backends, program, "test")
    m = schema.memberships.c
    with engine.connect() as connection:
        query = sa.select(m.program, m.membership_number).where(m.status == "active")
        members = connection.execute(query.order_by(m.membership_number)).all()
    for program, number in members[::2][:DIGITAL]:  # every program keeps some not digital
        refresh_membership(backends, program, number, RefreshReason.IMPORT)
    yield engine
    engine.dispose()
    os.environ.clear()
    os.environ.update(saved)
    get_settings.cache_clear()
    bootstrap.backends.cache_clear()


def test_every_digital_voucher_planned_validates_then_redeems_where_it_is_presented(
    seeded: sa.Engine,
) -> None:
    backends = bootstrap.backends()
    desks = pos.front_desks(seeded, data.SEED)
    planned = pos.digital_vouchers(backends, desks, limit=10_000)

    assert {v.static for v in planned} == {True, False}  # static and dynamic vouchers
    first_round = planned[: len({v.membership for v in planned})]
    assert len({v.membership for v in first_round}) == len(first_round)  # round-robin
    for voucher in planned:
        caller = identify(backends, "agent", voucher.agent_key)
        assert (caller.program, caller.hotel) == (voucher.program, voucher.hotel)
        validate_voucher(backends, caller, voucher.code, voucher.hotel, None)
    for n, voucher in enumerate(planned):  # in the planned order, the policies counting
        caller = identify(backends, "agent", voucher.agent_key)
        outcome = redeem_voucher(backends, caller, voucher.code, voucher.hotel, None, f"k-{n}")
        assert outcome.voucher.status == "redeemed"
        assert not outcome.from_sor
    assert pos.digital_vouchers(backends, desks, limit=10_000) == []


def test_fallback_vouchers_are_static_vouchers_no_digital_membership_holds(
    seeded: sa.Engine,
) -> None:
    backends = bootstrap.backends()
    desks = pos.front_desks(seeded, data.SEED)
    digital = {v.membership for v in pos.digital_vouchers(backends, desks, limit=10_000)}
    planned = pos.fallback_vouchers(backends, seeded, desks, limit=24)

    assert len(planned) == 24
    assert len({v.program for v in planned[:3]}) == 3  # the programs taken in turn
    assert len({v.membership for v in planned}) == 24
    assert not {v.membership for v in planned} & digital
    for n, voucher in enumerate(planned):
        caller = identify(backends, "agent", voucher.agent_key)
        outcome = redeem_voucher(backends, caller, voucher.code, voucher.hotel, None, f"f-{n}")
        assert (outcome.voucher.status, outcome.from_sor) == ("redeemed", True)


def test_each_redemption_request_has_its_own_idempotency_key_and_its_desks_agent_key() -> None:
    vouchers = [pos.Presented("SIAM", f"1234{n}", "SIAM-H01", "agt_k", True, "M1") for n in (1, 2)]

    validate = pos.requests(vouchers, redeem=False)
    redeem = pos.requests(vouchers, redeem=True)

    assert [r.headers for r in validate] == [(("X-Agent-Key", "agt_k"),)] * 2
    assert [json.loads(r.body) for r in redeem] == [
        {"voucherCode": "12341"},
        {"voucherCode": "12342"},
    ]
    keys = [dict(r.headers)["Idempotency-Key"] for r in redeem]
    assert len(set(keys)) == 2
    assert keys[0] not in {
        dict(r.headers)["Idempotency-Key"] for r in pos.requests(vouchers, redeem=True)
    }


def test_a_small_pos_run_answers_every_request_with_a_200_and_gives_the_ratio(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOSAIC_")}
    small = ("--members", "300", "--logins", "40", "--seconds", "1")
    options = ("--json", "--no-readme", "--keep", str(tmp_path / "run"))
    finished = run_module("bench", "pos", *small, *options, env=env, timeout=180)

    assert finished.returncode == 0, finished.stderr[-2000:]
    report = json.loads(finished.stdout)
    scenarios = {s["name"]: s for s in report["scenarios"]}
    assert list(scenarios) == ["POS validate", "POS redeem", "POS redeem (SoR fallback)"]
    for scenario in scenarios.values():
        assert scenario["requests"] > 0
        assert (scenario["errors"], scenario["unexpected"]) == (0, {})
    assert report["options"]["host"] == "2 process(es), 1 worker thread(s) each"
    assert report["extra"]["pos"]["fallback / digital redeem req/s"][0].isdigit()
    profile = report["extra"]["pos"]["redeem profile (py-spy, host processes)"]
    assert profile
    assert all(isinstance(line, str) for line in profile)
