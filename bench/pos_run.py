"""The POS phase of `python -m bench` on a serving host (bench/pos.py plans the vouchers):
the programs refreshed (it copies the agents' keys into the document store), then validate
and redeem of digital memberships' vouchers, then redeem through the SoR fallback; the
fallback's req/s over the digital one's, both measured in this run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench import data, pos, wrk
from mosaic.bootstrap import backends, sor_engine
from mosaic.services.program_refresh import refresh_program
from mosaic.settings import get_settings

VOUCHERS_PER_SECOND = 4000
"""Vouchers planned per second of a scenario: a `once` scenario ends when they are used up."""
VALIDATE, REDEEM, FALLBACK = "POS validate", "POS redeem", "POS redeem (SoR fallback)"

NOTES = {
    "validate": "POST /api/pos/vouchers/validate (a dry run of redeem) at the front desk of a "
    "hotel where the voucher is redeemable, each request a different voucher of {members:,} "
    "digital memberships: {static:,} static, {dynamic:,} dynamic, rotated over {programs} "
    "programs",
    "redeem": "POST /api/pos/vouchers/redeem, each request its own Idempotency-Key and the "
    "next of the same vouchers: idempotency record created and answered, code index and "
    "membership read, the membership replaced on its etag, a static one's SoR request stored",
    "fallback": "the same redeem, of {vouchers:,} available static vouchers of memberships not "
    "digital (seeded members never logged in; {programs} programs), one a membership: "
    "idempotency record, code index miss, the SoR's voucher read, its conditional UPDATE with "
    "the request id recorded, read again for the answer",
}

Measure = Callable[[wrk.Scenario], dict[str, Any]]
Profile = Callable[[wrk.Scenario], list[str]]
PROFILED_MINIMUM = 500
"""Vouchers left after the measured redeem needed for the profiled one."""
IN_FLIGHT = 64
"""Vouchers wrk may have sent past the answered ones when a measured run stopped."""


def measure(seconds: float, run: Measure, profile: Profile | None = None) -> dict[str, Any]:
    """Refresh the programs, plan the vouchers, run the three scenarios (with `run`); the
    POS figures for the report's extras. With `profile`, the digital vouchers the measured
    redeem did not reach are redeemed once more under py-spy, after the measured run, so
    sampling costs the figures nothing; what the profile showed is in the extras."""
    for program in backends().sor.program_codes():
        refresh_program(backends(), program, "bench")
    engine = sor_engine(get_settings())
    try:
        desks = pos.front_desks(engine, data.SEED)
        wanted = round(seconds * VOUCHERS_PER_SECOND)
        digital = pos.digital_vouchers(backends(), desks, wanted)
        fallback = pos.fallback_vouchers(backends(), engine, desks, wanted)
    finally:
        engine.dispose()
    if not digital or not fallback:
        raise RuntimeError(
            f"no vouchers to redeem: {len(digital)} digital, {len(fallback)} for the fallback"
        )
    run(_scenario(VALIDATE, _note("validate", digital), pos.VALIDATE, digital, redeem=False))
    redeem = run(_scenario(REDEEM, NOTES["redeem"], pos.REDEEM, digital, redeem=True))
    left = digital[redeem["requests"] + IN_FLIGHT :]
    profiled = None
    if profile is not None and len(left) >= PROFILED_MINIMUM:
        profiled = profile(_scenario(REDEEM, "", pos.REDEEM, left, redeem=True))
    note = NOTES["fallback"].format(vouchers=len(fallback), programs=_programs(fallback))
    fell_back = run(_scenario(FALLBACK, note, pos.REDEEM, fallback, redeem=True))
    figures: dict[str, Any] = {
        "vouchers planned (digital, fallback)": f"{len(digital):,}, {len(fallback):,}",
        "fallback / digital redeem req/s": _ratio(fell_back, redeem),
    }
    if profile is not None:
        figures["redeem profile (py-spy, host processes)"] = profiled or [
            f"not run: fewer than {PROFILED_MINIMUM} vouchers left after the measured redeem"
        ]
    return figures


def _scenario(
    name: str, note: str, path: str, vouchers: list[pos.Presented], *, redeem: bool
) -> wrk.Scenario:
    requests = pos.requests(vouchers, redeem=redeem)
    return wrk.Scenario(name, note, path, "POST", 200, requests=requests, once=True)


def _note(kind: str, vouchers: list[pos.Presented]) -> str:
    static = sum(v.static for v in vouchers)
    return NOTES[kind].format(
        members=len({(v.program, v.membership) for v in vouchers}),
        static=static,
        dynamic=len(vouchers) - static,
        programs=_programs(vouchers),
    )


def _programs(vouchers: list[pos.Presented]) -> int:
    return len({v.program for v in vouchers})


def _ratio(numerator: dict[str, Any], denominator: dict[str, Any]) -> str:
    top, bottom = numerator["reqPerSecond"] or 0.0, denominator["reqPerSecond"] or 0.0
    if not bottom:
        return "n/a (no digital redemptions answered)"
    return f"{top / bottom:.2f} ({top:,.0f} / {bottom:,.0f})"
