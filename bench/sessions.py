"""Signed-in members for the scenarios that need a session: one login each, in the bench's own
process (httpx, a few at a time), their bearer tokens then rotated through by wrk."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx

from mosaic.bootstrap import backends
from mosaic.ports.documents import Container
from mosaic.services.documents import read_or_none

LOGIN = "/api/mobile/login"


@dataclass(frozen=True)
class Session:
    program: str
    membership_number: str
    token: str

    @property
    def authorization(self) -> str:
        """The `Authorization` header's value."""
        return f"Bearer {self.token}"


def sign_in(base_url: str, logins: Sequence[str], at_once: int) -> list[Session]:
    """Log in once with each login body (JSON), `at_once` at a time; a RuntimeError names the
    first login not answered 200."""
    with (
        httpx.Client(base_url=base_url, timeout=30) as client,
        ThreadPoolExecutor(max_workers=at_once) as pool,
    ):
        return list(pool.map(lambda body: _session(client, body), logins))


def _session(client: httpx.Client, body: str) -> Session:
    answer = client.post(LOGIN, content=body, headers={"Content-Type": "application/json"})
    if answer.status_code != 200:
        raise RuntimeError(f"login {body} answered {answer.status_code}: {answer.text[:200]}")
    found = answer.json()
    membership = found["membership"]
    return Session(membership["program"], membership["membershipNumber"], found["token"])


def dynamic_vouchers_held(sessions: Sequence[Session]) -> tuple[int, int]:
    """(members holding at least one dynamic voucher, vouchers in all), read from their
    digital memberships in the document store (the host's, through this process's backends)."""
    members = vouchers = 0
    for session in sessions:
        found = read_or_none(
            backends().documents, Container.MEMBERSHIPS, session.program, session.membership_number
        )
        held = len(found.body.get("dynamicVouchers", [])) if found else 0
        members, vouchers = members + (held > 0), vouchers + held
    return members, vouchers
