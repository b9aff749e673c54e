"""POS agents and back-office staff, by the key they send (`X-Agent-Key`, `X-Staff-Key`).

The SoR holds each key's SHA-256 digest only (`pos_agents`, `staff`). The program refresh
copies them into the document store (`system` container, partition CALLERS, id
`<role>:<digest>`), so checking a key is one point read and never touches the SoR; a key the
SoR no longer has is deleted there by the next program refresh. A presented key is hashed and
its digest compared in constant time with the stored one. A process keeps what it read for
KEPT_SECONDS, so a busy terminal costs no read per request; a revoked key stops working at
once in the process that ran the program refresh that removed it (it forgets what it kept),
and within KEPT_SECONDS in the others.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Literal

from mosaic.domain.errors import NotAuthenticated
from mosaic.domain.program_records import SorCaller
from mosaic.ports.documents import (
    Container,
    DocumentNotFound,
    DocumentStore,
    StaleDocument,
    Where,
)
from mosaic.services.backends import Backends
from mosaic.services.documents import read_or_none

CALLERS = "_callers"
KEPT_SECONDS = 30.0
Role = Literal["agent", "staff"]


@dataclass(frozen=True)
class Caller:
    """Who is calling: the key's role, program and, for an agent, its hotel and outlet."""

    role: Role
    id: str
    """The key's id in audit records: role and the digest's first 16 hex digits."""
    program: str
    name: str
    hotel: str | None = None
    outlet: str | None = None


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


_kept: weakref.WeakKeyDictionary[DocumentStore, dict[tuple[Role, str], tuple[float, Caller]]] = (
    weakref.WeakKeyDictionary()
)
_kept_lock = threading.Lock()


def identify(backends: Backends, role: Role, key: str | None) -> Caller:
    """The caller whose key this is; NotAuthenticated for a missing or unknown key (an
    unknown key is not kept: the next program refresh may bring it)."""
    header = "X-Agent-Key" if role == "agent" else "X-Staff-Key"
    if not key:
        raise NotAuthenticated(f"{role} routes need the caller's key in {header}")
    digest = key_digest(key)
    with _kept_lock:
        kept = _kept.get(backends.documents, {}).get((role, digest))
    if kept is not None and time.monotonic() - kept[0] < KEPT_SECONDS:
        return kept[1]
    caller = _read(backends, role, digest)
    if caller is None:
        raise NotAuthenticated(f"the key in {header} is not one this service knows")
    with _kept_lock:
        _kept.setdefault(backends.documents, {})[(role, digest)] = (time.monotonic(), caller)
    return caller


def _read(backends: Backends, role: Role, digest: str) -> Caller | None:
    found = read_or_none(backends.documents, Container.SYSTEM, CALLERS, f"{role}:{digest}")
    if found is None or not hmac.compare_digest(str(found.body.get("keyHash", "")), digest):
        return None
    body = found.body
    return Caller(
        role=role,
        id=f"{role}:{digest[:16]}",
        program=str(body["forProgram"]),
        name=str(body.get("name", "")),
        hotel=body.get("hotel"),
        outlet=body.get("outlet"),
    )


def store_callers(backends: Backends, program: str, callers: list[SorCaller]) -> None:
    """The program's callers as the SoR has them now: written, and the ones it no longer has
    deleted (the program refresh); this process reads every key again."""
    wanted = {f"{c.role}:{c.key_hash}": c for c in callers if c.program == program}
    for id, caller in wanted.items():
        backends.documents.upsert(
            Container.SYSTEM,
            {
                "id": id,
                "program": CALLERS,
                "kind": "caller",
                "forProgram": program,
                "role": caller.role,
                "keyHash": caller.key_hash,
                "name": caller.name,
                "hotel": caller.hotel,
                "outlet": caller.outlet,
                "staffRole": caller.staff_role,
            },
        )
    stored = backends.documents.query(
        Container.SYSTEM, CALLERS, where=[Where("forProgram", "=", program)]
    )
    for document in stored:
        if document.id not in wanted:
            try:
                backends.documents.delete(
                    Container.SYSTEM, CALLERS, document.id, if_match=document.etag
                )
            except (DocumentNotFound, StaleDocument):
                continue
    with _kept_lock:
        _kept.pop(backends.documents, None)
