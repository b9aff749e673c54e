"""Member login by activation code (POST /mobile/login)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from mosaic.domain.access import ensure_code_opens, ensure_invitee_period_open
from mosaic.domain.codes import CodeKind, activation_code_kind
from mosaic.domain.devices import register_device
from mosaic.domain.errors import (
    MembershipNotFound,
    SystemOfRecordUnavailable,
    UnknownActivationCode,
)
from mosaic.domain.membership import (
    DeviceDetails,
    DigitalMembership,
    MembershipMode,
)
from mosaic.domain.refreshing import refresh_is_due
from mosaic.ports.documents import Container, JsonDocument, StoredDocument
from mosaic.ports.sessions import MemberSession
from mosaic.ports.sor import SorUnavailable
from mosaic.services import throttle
from mosaic.services.backends import Backends
from mosaic.services.codes import find_code_owner
from mosaic.services.documents import load, read_or_none, stored_body, update_with_retries
from mosaic.services.programs import program_timezone
from mosaic.services.refresh import RefreshReason, refresh_membership, request_refresh
from mosaic.services.sor_read_marks import as_last_read

THROTTLE_SCOPE = "login"


@dataclass(frozen=True)
class LoginResult:
    token: str
    expires_at: datetime
    mode: MembershipMode
    membership: DigitalMembership


def login_member(
    backends: Backends,
    program: str,
    activation_code: str,
    device: DeviceDetails | None,
    client: str | None,
) -> LoginResult:
    """The attempt is counted against the client's and the program's throttles before the
    code is looked at, and given back only once the code opened a membership."""
    kind = activation_code_kind(activation_code)
    attempt = throttle.admit(backends, THROTTLE_SCOPE, program, client)
    now = backends.clock.now()
    try:
        document = _find_membership(backends, program, kind, activation_code)
        if document is None:
            raise UnknownActivationCode("no membership of this program has that activation code")
        if document.meta.mode is MembershipMode.INVITEE:
            ensure_invitee_period_open(document, now, program_timezone(backends, program))
    except Exception:
        throttle.failed(backends, attempt)
        raise
    throttle.forgive(backends, attempt)
    if device is not None:
        document = _register_device(backends, document, device, now)
    session = MemberSession(
        program=document.program,
        membership_number=document.id,
        mode=document.meta.mode,
        expires_at=now + timedelta(minutes=backends.session_minutes),
    )
    return LoginResult(
        token=backends.sessions.issue(session, now),
        expires_at=session.expires_at,
        mode=session.mode,
        membership=document,
    )


def _find_membership(
    backends: Backends, program: str, kind: CodeKind, code: str
) -> DigitalMembership | None:
    """The digital membership that still has this code; a full membership not digital yet
    (or whose index entry is stale) is looked up in the SoR and built on the spot, any other
    is refreshed in the background."""
    number = find_code_owner(backends.documents, program, kind, code)
    document = _opened_by(backends, program, number, code) if number else None
    if document is not None:
        _refresh_if_due(backends, document)
        return document
    if kind is not CodeKind.MEMBERSHIP_ACTIVATION:
        return None
    return _build_from_sor(backends, program, code)


def _refresh_if_due(backends: Backends, document: DigitalMembership) -> None:
    """Queue a refresh unless the membership was read from the SoR in the coalescing time:
    by its document, or (a refresh that found nothing changed writes only that) its read
    mark, looked at only when the document alone says a refresh is due."""
    now, coalesce = backends.wall_clock.now(), backends.refresh_coalesce_seconds
    if refresh_is_due(document, now, coalesce) and refresh_is_due(
        as_last_read(backends, document), now, coalesce
    ):
        request_refresh(backends, document.program, document.id, RefreshReason.LOGIN)


def _opened_by(
    backends: Backends, program: str, number: str, code: str
) -> DigitalMembership | None:
    """The indexed membership, if its document still has the code."""
    found = read_or_none(backends.documents, Container.MEMBERSHIPS, program, number)
    if found is None:
        return None
    document = load(DigitalMembership, found)
    try:
        ensure_code_opens(document, code)
    except UnknownActivationCode:
        return None
    return document


def _build_from_sor(backends: Backends, program: str, code: str) -> DigitalMembership | None:
    try:
        number = backends.sor.find_membership_number(program, code)
    except SorUnavailable:
        raise SystemOfRecordUnavailable(
            "this membership is not digital yet and the system of record is not answering"
        ) from None
    if number is None:
        return None
    try:
        document = refresh_membership(backends, program, number, RefreshReason.LOGIN)
    except MembershipNotFound:
        return None
    ensure_code_opens(document, code)
    return document


def _register_device(
    backends: Backends, document: DigitalMembership, details: DeviceDetails, now: datetime
) -> DigitalMembership:
    """Add or update the device on the membership (a digital-owned section)."""
    saved: list[DigitalMembership] = []

    def decide(current: StoredDocument | None) -> JsonDocument | None:
        if current is None:
            return None
        saved.append(register_device(load(DigitalMembership, current), details, now))
        return stored_body(saved[-1])

    update_with_retries(
        backends.documents, Container.MEMBERSHIPS, document.program, document.id, decide
    )
    return saved[-1] if saved else document
