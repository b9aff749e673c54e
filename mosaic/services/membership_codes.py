"""A refreshed membership's code index entries: the codes the SoR gives it claimed, the ones it
no longer has released, and conflicts reported (services.codes has the rules)."""

from __future__ import annotations

from datetime import datetime

from mosaic.domain.building import sor_issued_codes
from mosaic.domain.codes import CodeKind
from mosaic.domain.membership import DigitalMembership
from mosaic.ports.documents import Container
from mosaic.services.backends import Backends
from mosaic.services.codes import CodeConflict, claim_code, release_codes
from mosaic.services.refresh_log import RefreshReport
from mosaic.services.refresh_requests import RefreshReason, request_refresh

CONFLICT_RECHECK_SECONDS = 90
"""Past the coalescing time, so the claimant's recheck is not dropped as already served."""


def index_codes(
    backends: Backends, document: DigitalMembership, now: datetime, report: RefreshReport
) -> None:
    """Claim the SoR codes the index does not give the membership yet (one query finds the
    ones it does: a refresh that changed no code writes nothing here), release the ones it
    no longer has."""
    store, program, number = backends.documents, document.program, document.id
    held = sor_issued_codes(document)
    indexed = indexed_sor_codes(backends, program, number)
    conflicts = [
        conflict
        for kind, code in sorted(held - indexed)
        if (conflict := claim_code(store, program, kind, code, number, now)) is not None
    ]
    released = release_codes(store, program, number, indexed - held)
    if released:
        report.details["codesReleased"] = released
    if conflicts:
        _report_conflicts(backends, program, number, conflicts, report)


def indexed_sor_codes(backends: Backends, program: str, number: str) -> set[tuple[CodeKind, str]]:
    """Every SoR-issued code the index holds for the membership, whatever document it
    came from (a refresh that lost a race may have claimed a code after another released)."""
    entries = backends.documents.query(
        Container.CODES, program, equals={"membershipNumber": number}
    )
    kinds = {CodeKind.MEMBERSHIP_ACTIVATION.value, CodeKind.STATIC_VOUCHER.value}
    return {
        (CodeKind(entry.body["kind"]), str(entry.body["code"]))
        for entry in entries
        if entry.body.get("kind") in kinds
    }


def _report_conflicts(
    backends: Backends,
    program: str,
    number: str,
    conflicts: list[CodeConflict],
    report: RefreshReport,
) -> None:
    """The holder's refresh releases a code its SoR row no longer has; this membership's
    refresh, a minute later, claims it then."""
    report.details["codeConflicts"] = [
        {"kind": c.kind.value, "code": c.code, "heldBy": c.held_by} for c in conflicts
    ]
    for holder in sorted({c.held_by for c in conflicts}):
        request_refresh(backends, program, holder, RefreshReason.CODE_CONFLICT)
    request_refresh(
        backends,
        program,
        number,
        RefreshReason.CODE_CONFLICT,
        delay_seconds=CONFLICT_RECHECK_SECONDS,
    )
