"""POS agents (DESIGN.md section 5, POS): one blueprint, its operations by theme in the
modules imported here. The agent's key decides program, hotel and outlet; a body carries
only the voucher, card or code and what the operation needs."""

from mosaic.functions.pos import spend, vouchers
from mosaic.functions.pos.blueprint import bp

__all__ = ["bp", "spend", "vouchers"]
