"""The per-program code index: code -> membership, unique by conditional create."""

from __future__ import annotations

import secrets
from datetime import datetime

from mosaic.domain.codes import CodeKind, RandomSource, code_index_id, new_code
from mosaic.domain.errors import CodeSpaceExhausted
from mosaic.ports.documents import Container, DocumentAlreadyExists, DocumentStore
from mosaic.services.documents import read_or_none

GENERATION_ATTEMPTS = 50


def _entry(program: str, kind: CodeKind, code: str, owner: str, now: datetime) -> dict[str, str]:
    return {
        "id": code_index_id(kind, code),
        "program": program,
        "kind": kind.value,
        "code": code,
        "membershipNumber": owner,
        "createdAt": now.isoformat(),
    }


def find_code_owner(store: DocumentStore, program: str, kind: CodeKind, code: str) -> str | None:
    """The membership number a code belongs to: one point read."""
    found = read_or_none(store, Container.CODES, program, code_index_id(kind, code))
    return None if found is None else str(found.body["membershipNumber"])


def register_code(
    store: DocumentStore, program: str, kind: CodeKind, code: str, owner: str, now: datetime
) -> None:
    """Record a code the SoR issued (SoR codes are unique there already)."""
    if find_code_owner(store, program, kind, code) != owner:
        store.upsert(Container.CODES, _entry(program, kind, code, owner, now))


def issue_code(
    store: DocumentStore,
    program: str,
    kind: CodeKind,
    owner: str,
    now: datetime,
    random: RandomSource | None = None,
) -> str:
    """A fresh code of `kind`, never used before in the program, claimed for `owner`."""
    source = random or secrets.SystemRandom()
    for _ in range(GENERATION_ATTEMPTS):
        code = new_code(kind, source)
        try:
            store.create(Container.CODES, _entry(program, kind, code, owner, now))
        except DocumentAlreadyExists:
            continue
        return code
    raise CodeSpaceExhausted(f"no free {kind.value} code found in program {program}")
