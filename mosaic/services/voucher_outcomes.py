"""What a voucher operation at a place answers, whichever path (digital or SoR) served it."""

from __future__ import annotations

from dataclasses import dataclass

from mosaic.domain.membership import Voucher
from mosaic.domain.policies import Place


@dataclass(frozen=True)
class VoucherAtPlace:
    """The voucher after the operation, its membership's number, where, and whether the SoR
    served it directly (no digital membership holds the code)."""

    voucher: Voucher
    membership_number: str
    place: Place | None
    from_sor: bool = False
