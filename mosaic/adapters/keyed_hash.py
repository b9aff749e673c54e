"""Keyed hashes as HMAC-SHA256, one key per purpose derived from the server secret."""

from __future__ import annotations

import hashlib
import hmac


class HmacKeyedHash:
    def __init__(self, secret: str) -> None:
        if len(secret) < 32:
            raise ValueError("the hashing secret must be at least 32 characters")
        self._secret = secret.encode()
        self._keys: dict[str, bytes] = {}

    def _key(self, purpose: str) -> bytes:
        # One key per purpose, so a digest made for one use never verifies another.
        key = self._keys.get(purpose)
        if key is None:
            key = hmac.new(self._secret, f"mosaic:{purpose}".encode(), hashlib.sha256).digest()
            self._keys[purpose] = key
        return key

    def digest(self, purpose: str, value: str) -> str:
        return hmac.new(self._key(purpose), value.encode(), hashlib.sha256).hexdigest()

    def matches(self, purpose: str, value: str, digest: str) -> bool:
        return hmac.compare_digest(self.digest(purpose, value), digest)
