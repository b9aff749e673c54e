"""The per-program code index: code -> membership, unique by conditional create.

Codes the SoR issues (5-digit activation codes, static vouchers) are claimed by the refresh
of the membership that has them and released when it no longer does; a code another
membership holds is never taken over, whatever the SoR says, until its holder's own refresh
releases it. Codes issued here (invitee, dynamic voucher, discount) are never reused within
a program, so they are never released.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from mosaic.domain.codes import CodeKind, RandomSource, code_index_id, new_code
from mosaic.domain.errors import CodeSpaceExhausted
from mosaic.ports.documents import (
    Container,
    DocumentAlreadyExists,
    DocumentNotFound,
    DocumentStore,
    StaleDocument,
)
from mosaic.services.documents import read_or_none

GENERATION_ATTEMPTS = 50
log = logging.getLogger("mosaic.codes")


@dataclass(frozen=True)
class CodeConflict:
    """A code the SoR gives one membership is still held by another in the index."""

    kind: CodeKind
    code: str
    held_by: str


def _entry(
    program: str,
    kind: CodeKind,
    code: str,
    owner: str,
    now: datetime,
    about: Mapping[str, str] | None = None,
) -> dict[str, str]:
    return {
        **(about or {}),
        "id": code_index_id(kind, code),
        "program": program,
        "kind": kind.value,
        "code": code,
        "membershipNumber": owner,
        "createdAt": now.isoformat(),
    }


NETWORK_WIDE = "network"
"""The hotel of a voucher valid at every hotel of the network, in figures."""


def voucher_about(hotel: str | None) -> dict[str, str]:
    """What a dynamic voucher's code index entry keeps for the program's figures."""
    return {"hotel": hotel or NETWORK_WIDE}


def find_code_owner(store: DocumentStore, program: str, kind: CodeKind, code: str) -> str | None:
    """The membership number a code belongs to: one point read."""
    found = read_or_none(store, Container.CODES, program, code_index_id(kind, code))
    return None if found is None else str(found.body["membershipNumber"])


def claim_code(
    store: DocumentStore, program: str, kind: CodeKind, code: str, owner: str, now: datetime
) -> CodeConflict | None:
    """Reserve a code the SoR issued for `owner` (conditional create). Returns the conflict,
    logged, when another membership holds it; None when `owner` holds it now."""
    holder = owner
    for _ in range(3):  # the entry may be released between our create and our read
        try:
            store.create(Container.CODES, _entry(program, kind, code, owner, now))
            return None
        except DocumentAlreadyExists:
            found = find_code_owner(store, program, kind, code)
        if found is not None:
            holder = found
            break
    if holder == owner:
        return None
    log.warning(
        "code conflict in %s: %s code %s is given to %s by the SoR but still held by %s",
        program,
        kind.value,
        code,
        owner,
        holder,
    )
    return CodeConflict(kind, code, holder)


def release_codes(
    store: DocumentStore, program: str, owner: str, codes: Iterable[tuple[CodeKind, str]]
) -> list[str]:
    """Remove the index entries of codes `owner` no longer has; an entry another membership
    holds is left alone. Each delete is conditional on the entry read. Returns the ids
    released."""
    released = []
    for kind, code in codes:
        id = code_index_id(kind, code)
        found = read_or_none(store, Container.CODES, program, id)
        if found is None or found.body.get("membershipNumber") != owner:
            continue
        try:
            store.delete(Container.CODES, program, id, if_match=found.etag)
        except (StaleDocument, DocumentNotFound):
            continue  # rewritten meanwhile, so no longer ours to release
        released.append(id)
    return released


def release_unheld_vouchers(
    store: DocumentStore, program: str, number: str, issued: Iterable[str]
) -> None:
    """Dynamic voucher codes issued for a write of `number`'s membership that the stored
    document does not hold (the write lost to another writer, which issued its own): never
    shown to anyone, so their index entries go, rather than name the member as owner of a
    code it does not have."""
    codes = list(issued)
    if not codes:
        return
    found = read_or_none(store, Container.MEMBERSHIPS, program, number)
    held = {v["code"] for v in (found.body.get("dynamicVouchers", []) if found else [])}
    unused = [(CodeKind.DYNAMIC_VOUCHER, code) for code in codes if code not in held]
    if unused:
        release_codes(store, program, number, unused)


def issue_code(
    store: DocumentStore,
    program: str,
    kind: CodeKind,
    owner: str,
    now: datetime,
    random: RandomSource | None = None,
    about: Mapping[str, str] | None = None,
) -> str:
    """A fresh code of `kind`, never used before in the program, claimed for `owner`;
    `about` is kept on its index entry (a dynamic voucher's hotel, which the program's
    figures count by)."""
    source = random or secrets.SystemRandom()
    for _ in range(GENERATION_ATTEMPTS):
        code = new_code(kind, source)
        try:
            store.create(Container.CODES, _entry(program, kind, code, owner, now, about))
        except DocumentAlreadyExists:
            continue
        return code
    raise CodeSpaceExhausted(f"no free {kind.value} code found in program {program}")
