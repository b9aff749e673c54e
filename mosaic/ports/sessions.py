"""Session tokens port: signed, expiring member sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from mosaic.domain.membership import MembershipMode


@dataclass(frozen=True)
class MemberSession:
    program: str
    membership_number: str
    mode: MembershipMode
    expires_at: datetime
    credential: str = ""
    """A keyed digest of the activation code the session began with: a session outlives
    neither a change of code (a card reported lost) nor the code's reuse elsewhere."""


class InvalidSession(Exception):
    """Unsigned, tampered, expired or malformed token."""


class SessionTokens(Protocol):
    def issue(self, session: MemberSession, now: datetime) -> str: ...

    def verify(self, token: str, now: datetime) -> MemberSession:
        """Raises InvalidSession."""
        ...
