"""Member login by activation code (POST /mobile/login)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from mosaic.domain.access import ensure_code_opens
from mosaic.domain.codes import CodeKind, activation_code_kind
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
from mosaic.ports.documents import Container
from mosaic.ports.sessions import MemberSession
from mosaic.ports.sor import SorUnavailable
from mosaic.services import throttle
from mosaic.services.backends import Backends
from mosaic.services.codes import find_code_owner
from mosaic.services.devices import add_device
from mosaic.services.documents import load, read_or_none
from mosaic.services.invitees import enter_as_invitee
from mosaic.services.inviting import restore_invitee_membership
from mosaic.services.members import session_credential
from mosaic.services.refresh import RefreshReason, refresh_membership, request_refresh_if_due

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
            document = enter_as_invitee(backends, document, now)
    except Exception:
        throttle.failed(backends, attempt)
        raise
    throttle.forgive(backends, attempt)
    if device is not None:
        document = add_device(backends, document, device)
    session = MemberSession(
        program=document.program,
        membership_number=document.id,
        mode=document.meta.mode,
        expires_at=now + timedelta(minutes=backends.session_minutes),
        credential=session_credential(backends, document),
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
        request_refresh_if_due(backends, document, RefreshReason.LOGIN)
        return document
    if kind is CodeKind.INVITEE_ACTIVATION and number is not None:
        restored = restore_invitee_membership(backends, program, code)
        return restored if restored is not None and _still_opens(restored, code) else None
    if kind is not CodeKind.MEMBERSHIP_ACTIVATION:
        return None
    return _build_from_sor(backends, program, code)


def _still_opens(document: DigitalMembership, code: str) -> bool:
    try:
        ensure_code_opens(document, code)
    except UnknownActivationCode:
        return False
    return True


def _opened_by(
    backends: Backends, program: str, number: str, code: str
) -> DigitalMembership | None:
    """The indexed membership, if its document still has the code."""
    found = read_or_none(backends.documents, Container.MEMBERSHIPS, program, number)
    if found is None:
        return None
    document = load(DigitalMembership, found)
    return document if _still_opens(document, code) else None


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
