"""Unique codes of a program: activation codes, card numbers, static voucher codes."""

from __future__ import annotations

import random

FIVE_DIGIT_CODES = 100_000  # "00000" to "99999"
MAX_MEMBERS_PER_PROGRAM = FIVE_DIGIT_CODES  # one 5-digit activation code each


def luhn_digit(body: str) -> str:
    """The Luhn check digit to append to body (card numbers)."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str(-total % 10)


class ProgramCodes:
    """Draws a program's codes without repeats.

    5-digit codes come from one shuffled pool per program: activation codes take
    the first `members` of them and static vouchers the rest, so a 5-digit code
    never means both a membership and a voucher in a program. When the pool is
    used up, vouchers get 9-digit codes only.
    """

    def __init__(self, rng: random.Random, members: int, card_bin: str) -> None:
        if members > MAX_MEMBERS_PER_PROGRAM:
            raise ValueError(
                f"{members} members do not fit in one program: 5-digit activation codes "
                f"allow at most {MAX_MEMBERS_PER_PROGRAM}"
            )
        self._rng = rng
        self._five = rng.sample(range(FIVE_DIGIT_CODES), FIVE_DIGIT_CODES)
        self._next_five = members
        self._nine: set[int] = set()
        self._accounts = rng.sample(range(10**9), members)
        self._bin = card_bin

    def activation_code(self, index: int) -> str:
        return f"{self._five[index]:05d}"

    def card_number(self, index: int) -> str:
        body = f"{self._bin}{self._accounts[index]:09d}"
        return body + luhn_digit(body)

    def voucher_code(self, five_digits: bool) -> str:
        if five_digits and self._next_five < FIVE_DIGIT_CODES:
            self._next_five += 1
            return f"{self._five[self._next_five - 1]:05d}"
        while True:
            code = self._rng.randrange(100_000_000, 1_000_000_000)
            if code not in self._nine:
                self._nine.add(code)
                return str(code)
