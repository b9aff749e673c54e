"""Caller keys: demo keys derived from the seed, and the hash the SoR stores instead of a key.

A key is never stored in plaintext: the `pos_agents` and `staff` tables hold
`key_hash(key)` only, so a presented key is checked by hashing it.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Literal

KeyRole = Literal["agent", "staff"]

_PREFIX: dict[str, str] = {"agent": "agt_", "staff": "stf_"}


def demo_key(seed: int, role: KeyRole, ident: str) -> str:
    """The demo key of a caller, e.g. `agt_<32 hex>`: the same for the same seed, role and ident.

    For agents, ident is the outlet code (or the hotel code for a front desk);
    for staff, it is the staff member's login (see catalog.STAFF).
    """
    digest = hmac.new(
        f"mosaic-demo-{seed}".encode(), f"{role}:{ident}".encode(), hashlib.sha256
    ).hexdigest()
    return _PREFIX[role] + digest[:32]


def key_hash(key: str) -> str:
    """SHA-256 hex digest of a key: what `pos_agents.key_hash` and `staff.key_hash` hold."""
    return hashlib.sha256(key.encode()).hexdigest()
