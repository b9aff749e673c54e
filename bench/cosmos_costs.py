"""What Cosmos DB would charge for membership documents of the measured sizes: request units per
operation, the throughput a program of PROGRAM_MEMBERS members needs at REDEMPTIONS_PER_SECOND,
and its monthly cost at list price. Pure arithmetic over the measured sizes; every assumption
is a constant here and is printed with the figures (README's scaling section explains them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

KB = 1024
GB = 1000**3  # Cosmos DB bills and limits storage in decimal GB
PROGRAM_MEMBERS = 1_000_000
REDEMPTIONS_PER_SECOND = 100
READ_RU_PER_KB = 1.0
"""A point read costs 1 RU per KB of the item (a 1 KB item: 1 RU)."""
WRITE_RU_PER_KB = (5.0, 10.0)
"""A create or replace: about 5 RU per KB with few index terms; every path is indexed
(mosaic/adapters/azure/cosmos_layout.py), so a membership's many terms push it toward 10."""
SMALL_DOCUMENT_KB = 1
"""The idempotency record (first answer) and the SoR request of a redemption: under 1 KB,
billed as 1 KB. Neither is written by the app yet, so neither is measured."""
ONE_MATCH_QUERY_RU = 2.5
"""The least a query costs, one match on an indexed field within one partition key."""
AUTOSCALE_PRICE_PER_100_RUS_HOUR = 0.012
"""USD, autoscale, single write region (standard provisioned: 0.008)."""
STORAGE_PRICE_PER_GB_MONTH = 0.25
HOURS_PER_MONTH = 730
AUTOSCALE_FLOOR = 0.1
"""Autoscale bills each hour at the highest RU/s used, never below 10% of the maximum."""
AUTOSCALE_STEP = 1000
PARTITION_GB = 20
PARTITION_RUS = 10_000
"""A logical partition (one partition key value) holds at most 20 GB and takes 10,000 RU/s."""


@dataclass(frozen=True)
class Redemption:
    """The request units of one redemption at a write cost of `write_ru_per_kb`: a point read
    and a conditional replace of the membership, the idempotency record's create, the SoR
    request's create."""

    membership_bytes: float
    write_ru_per_kb: float

    @property
    def membership_kb(self) -> int:
        return max(1, math.ceil(self.membership_bytes / KB))

    @property
    def read(self) -> float:
        return READ_RU_PER_KB * self.membership_kb

    @property
    def replace(self) -> float:
        return self.write_ru_per_kb * self.membership_kb

    @property
    def small_creates(self) -> float:
        return 2 * self.write_ru_per_kb * SMALL_DOCUMENT_KB

    @property
    def total(self) -> float:
        return self.read + self.replace + self.small_creates


def autoscale_max(rus: float) -> int:
    """The autoscale maximum that covers `rus`, in steps of 1,000 RU/s."""
    return max(AUTOSCALE_STEP, math.ceil(rus / AUTOSCALE_STEP) * AUTOSCALE_STEP)


def monthly_throughput_cost(max_rus: int, share: float = 1.0) -> float:
    """USD per month at `share` of the autoscale maximum every hour (at least the floor)."""
    billed = max_rus * max(share, AUTOSCALE_FLOOR)
    return billed / 100 * AUTOSCALE_PRICE_PER_100_RUS_HOUR * HOURS_PER_MONTH


def figures(mean_bytes: float, p50_bytes: float, p99_bytes: float) -> dict[str, str]:
    """(what, figure) lines for the report, from the measured membership sizes."""
    low, high = (Redemption(mean_bytes, per_kb) for per_kb in WRITE_RU_PER_KB)
    typical, large = (Redemption(size, WRITE_RU_PER_KB[1]) for size in (p50_bytes, p99_bytes))
    needed = REDEMPTIONS_PER_SECOND * high.total
    maximum = autoscale_max(needed)
    stored_gb = PROGRAM_MEMBERS * mean_bytes / GB
    partition_members = PARTITION_GB * GB / mean_bytes
    partition_rate = PARTITION_RUS / (high.read + high.replace)
    program_rate = REDEMPTIONS_PER_SECOND * (high.read + high.replace)
    one_partition = stored_gb <= PARTITION_GB and program_rate <= PARTITION_RUS
    low_write, high_write = (f"{per_kb:g}" for per_kb in WRITE_RU_PER_KB)
    return {
        "RU per membership point read, p50 / p99 document": (
            f"{typical.read:g} / {large.read:g} (1 RU per KB, rounded up)"
        ),
        f"RU per membership replace at {low_write} / {high_write} RU per KB, mean document": (
            f"{low.replace:g} / {high.replace:g}"
        ),
        "RU per one-match query (activation code), at least": f"{ONE_MATCH_QUERY_RU:g}",
        "RU per redemption (read + replace + idempotency and SoR request creates of 1 KB)": (
            f"{low.total:g} to {high.total:g}"
        ),
        f"RU/s at {REDEMPTIONS_PER_SECOND} redemptions/s": (
            f"{REDEMPTIONS_PER_SECOND * low.total:,.0f} to {needed:,.0f}; autoscale max "
            f"{maximum:,} RU/s"
        ),
        f"throughput cost per month (autoscale ${AUTOSCALE_PRICE_PER_100_RUS_HOUR} per "
        f"100 RU/s-hour, {HOURS_PER_MONTH} h, one region)": (
            f"${monthly_throughput_cost(maximum):,.0f} at {REDEMPTIONS_PER_SECOND}/s all month, "
            f"${monthly_throughput_cost(maximum, AUTOSCALE_FLOOR):,.0f} when idle (10% floor)"
        ),
        f"storage of {PROGRAM_MEMBERS:,} memberships (mean size, "
        f"${STORAGE_PRICE_PER_GB_MONTH}/GB-month, index not counted)": (
            f"{stored_gb:.1f} GB, ${stored_gb * STORAGE_PRICE_PER_GB_MONTH:,.2f} per month"
        ),
        f"one logical partition per program (/program, {PARTITION_GB} GB, "
        f"{PARTITION_RUS:,} RU/s)": (
            f"up to {partition_members:,.0f} members and {partition_rate:,.0f} redemptions/s; "
            f"{PROGRAM_MEMBERS:,} members at {REDEMPTIONS_PER_SECOND}/s "
            + ("fit" if one_partition else "need MOSAIC_COSMOS_LAYOUT=hierarchical")
        ),
    }
