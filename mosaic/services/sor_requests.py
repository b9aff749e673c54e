"""Writes the digital side owes the SoR (DESIGN section 7), stored as `sorRequests`
documents with status `pending` for the drain job to apply.

A request is stored BEFORE the membership write it belongs to, with an id derived from what
it does (program, kind, code or membership, the caller and the caller's idempotency key: keys
are each caller's own, so two terminals sending the same key make two requests), so:
- a retry of the same operation stores the same request again: nothing doubles;
- a crash between the two writes leaves a request whose change the membership does not hold.
  The membership document is the truth: the drain applies a request only when the membership
  records it (a redemption or tracking naming the request id), and voids it otherwise once
  REQUEST_GRACE_SECONDS have passed, so an operation that never happened is never applied.
Nothing is lost: every write the membership records has its request stored first.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from mosaic.ports.documents import Container, DocumentAlreadyExists
from mosaic.ports.sor import SorRequestKind
from mosaic.services.backends import Backends

__all__ = ["REQUEST_GRACE_SECONDS", "SorRequestKind", "request_id", "store_request"]

REQUEST_GRACE_SECONDS = 300
_NAMESPACE = uuid.UUID("6f1c3c39-6a0e-4f59-9d0a-6d8f6c1d2a11")


def request_id(
    program: str, kind: SorRequestKind, subject: str, caller: str, idempotency_key: str
) -> str:
    """The id of the request an operation makes: the same operation by the same caller with
    the same key, the same id."""
    name = f"{program}|{kind.value}|{subject}|{caller}|{idempotency_key}"
    return str(uuid.uuid5(_NAMESPACE, name))


def store_request(
    backends: Backends,
    *,
    id: str,
    program: str,
    kind: SorRequestKind,
    membership_number: str,
    payload: dict[str, Any],
    now: datetime,
) -> None:
    """Store the pending request (a repeat of the same request is a no-op)."""
    stamp = now.isoformat()
    try:
        backends.documents.create(
            Container.SOR_REQUESTS,
            {
                "id": id,
                "program": program,
                "kind": kind.value,
                "membershipNumber": membership_number,
                "payload": payload,
                "createdAt": stamp,
                "attempts": 0,
                "lastError": None,
                "nextAttemptAt": stamp,
                "status": "pending",
            },
        )
    except DocumentAlreadyExists:
        return
