"""The ports a use case may need, bundled; built once per process by mosaic.bootstrap."""

from __future__ import annotations

from dataclasses import dataclass

from mosaic.ports.clock import Clock
from mosaic.ports.documents import DocumentStore
from mosaic.ports.keyed_hash import KeyedHash
from mosaic.ports.notifier import Notifier
from mosaic.ports.queue import MessageQueue
from mosaic.ports.search import SearchIndex
from mosaic.ports.sessions import SessionTokens
from mosaic.ports.sor import SystemOfRecord


@dataclass(frozen=True)
class LoginPolicy:
    """How many failed logins one client may make in a sliding window before it must wait,
    and how many failures a whole program takes from all clients in that window."""

    failures_allowed: int = 5
    window_seconds: int = 15 * 60
    program_failures_allowed: int = 200


@dataclass(frozen=True)
class Backends:
    documents: DocumentStore
    queue: MessageQueue
    search: SearchIndex
    sor: SystemOfRecord
    notifier: Notifier
    clock: Clock
    # Real time for throttling windows: MOSAIC_NOW freezes the business clock, not these.
    wall_clock: Clock
    sessions: SessionTokens
    keyed_hash: KeyedHash
    session_minutes: int = 7 * 24 * 60
    refresh_coalesce_seconds: int = 60
    login_policy: LoginPolicy = LoginPolicy()
