"""Static vouchers redeemed and un-redeemed in the SoR itself, exactly once per request id, on
every kind of SoR database: one transaction records the request in `applied_requests` and
updates the voucher on a condition, both or neither, whatever races it."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from mosaic.adapters.sor import schema as t
from mosaic.ports.sor import RedeemOutcome, SorRequestKind, SorUnavailable, SystemOfRecord
from tests.factories import NOW, insert_member, insert_program, sor_record, static_voucher

APPLIED, ALREADY, NOT_AVAILABLE = (
    RedeemOutcome.APPLIED,
    RedeemOutcome.ALREADY_APPLIED,
    RedeemOutcome.NOT_AVAILABLE,
)
CODE = "54321"
AT = NOW - timedelta(minutes=3)
RACERS = 20


@pytest.fixture
def voucher(sor_database: sa.Engine) -> sa.Engine:
    """SIAM's member with the available voucher CODE."""
    insert_program(sor_database)
    insert_member(sor_database, sor_record(static_vouchers=[static_voucher(CODE)]))
    return sor_database


def _redeem(sor: SystemOfRecord, request_id: str, hotel: str = "SIAM-H01") -> RedeemOutcome:
    return sor.redeem_static_voucher(
        "SIAM", CODE, request_id=request_id, hotel=hotel, outlet=f"{hotel}-O1", at=AT
    )


def _unredeem(sor: SystemOfRecord, request_id: str) -> RedeemOutcome:
    return sor.unredeem_static_voucher("SIAM", CODE, request_id=request_id, at=NOW)


def _voucher_row(engine: sa.Engine) -> sa.RowMapping:
    v = t.static_vouchers.c
    with engine.connect() as c:
        return c.execute(sa.select(t.static_vouchers).where(v.code == CODE)).mappings().one()


def _applied(engine: sa.Engine) -> dict[str, sa.RowMapping]:
    with engine.connect() as c:
        rows = c.execute(sa.select(t.applied_requests)).mappings().all()
    return {row["request_id"]: row for row in rows}


def _race(work: Callable[[int], RedeemOutcome], racers: int = RACERS) -> Counter[RedeemOutcome]:
    """`work(i)` in `racers` threads released at one moment."""
    start = threading.Barrier(racers)

    def one(i: int) -> RedeemOutcome:
        start.wait()
        return work(i)

    with ThreadPoolExecutor(racers) as pool:
        return Counter(pool.map(one, range(racers)))


def test_a_redemption_is_applied_with_its_place_time_and_the_sors_clock(
    voucher: sa.Engine, sor: SystemOfRecord
) -> None:
    before = sor.now()
    assert _redeem(sor, "req-1") == APPLIED
    after = sor.now()

    row = _voucher_row(voucher)
    assert (row["status"], row["redeemed_hotel"], row["redeemed_outlet"]) == (
        "redeemed",
        "SIAM-H01",
        "SIAM-H01-O1",
    )
    assert row["redeemed_at"] == AT
    assert before <= row["updated_at"] <= after  # stamped by the SoR, not by the caller
    request = _applied(voucher)["req-1"]
    assert (request["program"], request["kind"]) == ("SIAM", "redeemStaticVoucher")
    assert request["requested_at"] == AT
    assert request["applied_at"] == row["updated_at"]
    holding = sor.static_voucher("SIAM", CODE)
    assert holding is not None
    assert (holding.status, holding.redeemed_at, holding.redeemed_hotel) == (
        "redeemed",
        AT,
        "SIAM-H01",
    )


def test_the_same_request_again_is_already_applied_and_changes_nothing(
    voucher: sa.Engine, sor: SystemOfRecord
) -> None:
    assert _redeem(sor, "req-1") == APPLIED
    assert _unredeem(sor, "undo-1") == APPLIED

    assert _redeem(sor, "req-1") == ALREADY  # a late replay does not redeem it again
    assert _unredeem(sor, "undo-1") == ALREADY
    assert _voucher_row(voucher)["status"] == "available"
    assert set(_applied(voucher)) == {"req-1", "undo-1"}


def test_a_voucher_redeemed_by_one_request_is_not_available_to_another(
    voucher: sa.Engine, sor: SystemOfRecord
) -> None:
    assert _redeem(sor, "req-1", hotel="SIAM-H01") == APPLIED
    assert _redeem(sor, "req-2", hotel="SIAM-H02") == NOT_AVAILABLE

    assert _voucher_row(voucher)["redeemed_hotel"] == "SIAM-H01"
    assert set(_applied(voucher)) == {"req-1"}  # neither change nor record: both or neither


def test_unredeeming_a_voucher_not_redeemed_is_not_available(
    voucher: sa.Engine, sor: SystemOfRecord
) -> None:
    assert _unredeem(sor, "undo-1") == NOT_AVAILABLE
    assert _voucher_row(voucher)["status"] == "available"
    assert _applied(voucher) == {}


def test_an_unredeemed_voucher_is_redeemed_again_by_new_requests(
    voucher: sa.Engine, sor: SystemOfRecord
) -> None:
    assert _redeem(sor, "req-1", hotel="SIAM-H01") == APPLIED
    assert _unredeem(sor, "undo-1") == APPLIED
    row = _voucher_row(voucher)
    assert (row["status"], row["redeemed_at"], row["redeemed_hotel"], row["redeemed_outlet"]) == (
        "available",
        None,
        None,
        None,
    )
    assert _redeem(sor, "req-2", hotel="SIAM-H02") == APPLIED
    assert _unredeem(sor, "undo-1") == ALREADY  # the old undo does not undo the new redemption

    assert (_voucher_row(voucher)["status"], _voucher_row(voucher)["redeemed_hotel"]) == (
        "redeemed",
        "SIAM-H02",
    )
    kinds = {key: row["kind"] for key, row in _applied(voucher).items()}
    assert kinds == {
        "req-1": SorRequestKind.REDEEM_STATIC_VOUCHER,
        "undo-1": SorRequestKind.UNREDEEM_STATIC_VOUCHER,
        "req-2": SorRequestKind.REDEEM_STATIC_VOUCHER,
    }


def test_a_voucher_the_program_does_not_have_is_not_available(
    voucher: sa.Engine, sor: SystemOfRecord
) -> None:
    outcome = sor.redeem_static_voucher(
        "OTHER", CODE, request_id="req-1", hotel="SIAM-H01", outlet=None, at=AT
    )
    assert outcome == NOT_AVAILABLE
    assert _redeem(sor, "req-2") == APPLIED  # its own program's voucher is untouched until now


def test_twenty_requests_racing_for_one_voucher_redeem_it_once(
    voucher: sa.Engine, sor: SystemOfRecord
) -> None:
    outcomes = _race(lambda i: _redeem(sor, f"req-{i}", hotel=f"SIAM-H{i:02d}"))

    assert outcomes == Counter({APPLIED: 1, NOT_AVAILABLE: RACERS - 1})
    applied = _applied(voucher)
    assert len(applied) == 1
    winner = int(next(iter(applied)).removeprefix("req-"))
    row = _voucher_row(voucher)
    assert (row["status"], row["redeemed_hotel"]) == ("redeemed", f"SIAM-H{winner:02d}")


def test_one_request_racing_with_its_twins_is_applied_once(
    voucher: sa.Engine, sor: SystemOfRecord
) -> None:
    outcomes = _race(lambda i: _redeem(sor, "req-1", hotel=f"SIAM-H{i:02d}"))

    assert outcomes == Counter({APPLIED: 1, ALREADY: RACERS - 1})
    assert list(_applied(voucher)) == ["req-1"]
    assert _voucher_row(voucher)["status"] == "redeemed"


def _while_open(engine: sa.Engine, request_id: str, finish: str) -> Callable[..., Any]:
    """Runs `call` while another SoR client holds a transaction that redeemed the voucher as
    `request_id` (its record and its update, not yet committed), then ends that transaction
    by `finish` (commit or rollback), and returns what `call` answered."""

    def run(call: Callable[[], RedeemOutcome]) -> RedeemOutcome:
        v = t.static_vouchers.c
        answers: list[RedeemOutcome] = []
        with engine.connect() as twin:
            twin.execute(
                sa.insert(t.applied_requests).values(
                    request_id=request_id,
                    program="SIAM",
                    kind="redeemStaticVoucher",
                    requested_at=AT,
                    applied_at=NOW,
                )
            )
            twin.execute(
                sa.update(t.static_vouchers)
                .where(v.code == CODE, v.status == "available")
                .values(status="redeemed", redeemed_hotel="SIAM-H99", updated_at=NOW)
            )
            waiting = threading.Thread(target=lambda: answers.append(call()))
            waiting.start()
            time.sleep(0.3)
            assert waiting.is_alive(), "the request did not wait for the open transaction"
            getattr(twin, finish)()
        waiting.join(timeout=10)
        return answers[0]

    return run


def test_a_twin_waiting_on_an_applying_request_is_already_applied(
    voucher: sa.Engine, sor: SystemOfRecord
) -> None:
    """The duplicate key of a racing twin is an answer, not an error."""
    outcome = _while_open(voucher, "req-1", "commit")(lambda: _redeem(sor, "req-1"))
    assert outcome == ALREADY
    assert _voucher_row(voucher)["redeemed_hotel"] == "SIAM-H99"


def test_a_request_waiting_on_another_redemption_finds_the_voucher_not_available(
    voucher: sa.Engine, sor: SystemOfRecord
) -> None:
    outcome = _while_open(voucher, "req-1", "commit")(lambda: _redeem(sor, "req-2"))
    assert outcome == NOT_AVAILABLE
    assert set(_applied(voucher)) == {"req-1"}


def test_a_request_waiting_on_a_redemption_rolled_back_is_applied(
    voucher: sa.Engine, sor: SystemOfRecord
) -> None:
    outcome = _while_open(voucher, "req-1", "rollback")(lambda: _redeem(sor, "req-1"))
    assert outcome == APPLIED
    assert _voucher_row(voucher)["redeemed_hotel"] == "SIAM-H01"


@pytest.mark.parametrize("request_id", ["", "x" * 65])
def test_a_request_id_of_no_or_more_than_64_characters_is_refused(
    voucher: sa.Engine, sor: SystemOfRecord, request_id: str
) -> None:
    with pytest.raises(ValueError, match="request id"):
        _redeem(sor, request_id)
    assert _voucher_row(voucher)["status"] == "available"


def test_a_naive_request_time_is_refused(voucher: sa.Engine, sor: SystemOfRecord) -> None:
    with pytest.raises(ValueError, match="aware"):
        sor.unredeem_static_voucher("SIAM", CODE, request_id="undo-1", at=AT.replace(tzinfo=None))


def test_an_unreachable_sor_is_unavailable_for_a_redemption_and_an_unredemption(
    unreachable_sor: SystemOfRecord,
) -> None:
    with pytest.raises(SorUnavailable):
        _redeem(unreachable_sor, "req-1")
    with pytest.raises(SorUnavailable):
        _unredeem(unreachable_sor, "undo-1")
