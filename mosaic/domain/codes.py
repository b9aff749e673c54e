"""Code formats (DESIGN.md section 2): a code is recognized by its length alone."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from mosaic.domain.errors import InvalidField

DISCOUNT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # A-Z and 0-9 without 0, O, 1, I
DIGITS = "0123456789"


class CodeKind(StrEnum):
    MEMBERSHIP_ACTIVATION = "activation"
    INVITEE_ACTIVATION = "invitee"
    STATIC_VOUCHER = "static"
    DYNAMIC_VOUCHER = "dynamic"
    DISCOUNT = "discount"
    PIN = "pin"


_LENGTH = {
    CodeKind.MEMBERSHIP_ACTIVATION: 5,
    CodeKind.INVITEE_ACTIVATION: 6,
    CodeKind.STATIC_VOUCHER: 5,
    CodeKind.DYNAMIC_VOUCHER: 6,
    CodeKind.DISCOUNT: 8,
    CodeKind.PIN: 6,
}


class RandomSource(Protocol):
    """What code generation needs of a random source (secrets.SystemRandom in production)."""

    def choice(self, seq: str) -> str: ...


def _require_digits(code: str, field: str, lengths: str) -> None:
    if not (code.isascii() and code.isdigit()):
        raise InvalidField(field, f"must be {lengths} digits (0-9 only)")


def activation_code_kind(code: str, field: str = "activationCode") -> CodeKind:
    """5 digits: a full membership; 6 digits: an invitee. Anything else is refused."""
    _require_digits(code, field, "5 or 6")
    if len(code) == 5:
        return CodeKind.MEMBERSHIP_ACTIVATION
    if len(code) == 6:
        return CodeKind.INVITEE_ACTIVATION
    raise InvalidField(field, "must be 5 digits (membership) or 6 digits (invitee)")


def voucher_code_kind(code: str, field: str = "voucherCode") -> CodeKind:
    """5 or 9 digits: a static voucher (SoR); 6 digits: a dynamic voucher (document store)."""
    _require_digits(code, field, "5, 6 or 9")
    if len(code) in (5, 9):
        return CodeKind.STATIC_VOUCHER
    if len(code) == 6:
        return CodeKind.DYNAMIC_VOUCHER
    raise InvalidField(field, "must be 5 or 9 digits (static) or 6 digits (dynamic)")


def check_discount_code(code: str, field: str = "discountCode") -> str:
    if len(code) != 8 or any(ch not in DISCOUNT_ALPHABET for ch in code):
        raise InvalidField(field, "must be 8 characters of A-Z and 2-9, without O and I")
    return code


def check_pin(code: str, field: str = "pin") -> str:
    _require_digits(code, field, "6")
    if len(code) != 6:
        raise InvalidField(field, "must be 6 digits")
    return code


def new_code(kind: CodeKind, random: RandomSource) -> str:
    """A fresh candidate code of the kind's format; uniqueness is the code index's job."""
    alphabet = DISCOUNT_ALPHABET if kind is CodeKind.DISCOUNT else DIGITS
    return "".join(random.choice(alphabet) for _ in range(_LENGTH[kind]))


def code_index_id(kind: CodeKind, code: str) -> str:
    """Id of the code's entry in the per-program code index (`codes` container)."""
    return f"{kind.value}:{code}"
