"""Operators' use cases (DESIGN.md section 5, control): one membership refreshed now, and the
refresh log read back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from mosaic.domain.codes import CodeKind
from mosaic.domain.errors import InvalidField, MembershipNotFound, SystemOfRecordUnavailable
from mosaic.domain.membership import DigitalMembership
from mosaic.ports.documents import Container, OrderBy, Page, Where
from mosaic.ports.sor import SorUnavailable
from mosaic.services.backends import Backends
from mosaic.services.codes import find_code_owner
from mosaic.services.refresh import RefreshReason, refresh_membership


def refresh_by_activation_code(backends: Backends, program: str, code: str) -> DigitalMembership:
    """Refresh, from the SoR, the membership a 5-digit activation code opens. The code index
    is asked first; when it knows no owner, or its owner no longer has the code once
    refreshed, the SoR says who has it. Raises MembershipNotFound when nobody has it (or the
    SoR no longer has the membership), SystemOfRecordUnavailable."""
    indexed = find_code_owner(backends.documents, program, CodeKind.MEMBERSHIP_ACTIVATION, code)
    if indexed is not None:
        try:
            document = refresh_membership(backends, program, indexed, RefreshReason.MANUAL)
        except MembershipNotFound:
            document = None
        if document is not None and document.membership.activation_code == code:
            return document
    try:
        number = backends.sor.find_membership_number(program, code)
    except SorUnavailable:
        raise SystemOfRecordUnavailable("the system of record is not answering") from None
    if number is None or number == indexed:
        raise MembershipNotFound(f"no membership of program {program} has activation code {code}")
    return refresh_membership(backends, program, number, RefreshReason.MANUAL)


@dataclass(frozen=True)
class RefreshLogQuery:
    program: str
    key: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    continuation: str | None = None
    page_size: int = 50


def refresh_log_page(backends: Backends, query: RefreshLogQuery) -> Page:
    """One page of a program's refresh log, newest first. Raises InvalidField (continuation)
    on a token this query did not hand out."""
    where = []
    if query.key is not None:
        where.append(Where("key", "=", query.key))
    if query.outcome is not None:
        where.append(Where("outcome", "=", query.outcome))
    if query.since is not None:  # entries store `started` as an ISO-8601 string in UTC
        where.append(Where("started", ">=", query.since.astimezone(UTC).isoformat()))
    try:
        return backends.documents.page(
            Container.REFRESH_LOG,
            query.program,
            where=where,
            order_by=OrderBy("started", descending=True),
            page_size=query.page_size,
            continuation=query.continuation,
        )
    except ValueError:
        raise InvalidField(
            "continuation", "not a continuation token of this query: pass back the one answered"
        ) from None
