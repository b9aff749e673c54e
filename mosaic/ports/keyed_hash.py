"""Keyed hashing port: digests of secrets a member holds (PINs, activation codes) that are
useless without a server secret, so a leaked document or token gives nothing to guess
offline."""

from __future__ import annotations

from typing import Protocol


class KeyedHash(Protocol):
    def digest(self, purpose: str, value: str) -> str:
        """The keyed digest of `value` for `purpose` (each purpose has its own key), hex."""
        ...

    def matches(self, purpose: str, value: str, digest: str) -> bool:
        """Whether `value` has that digest, compared in constant time."""
        ...
