"""Finding a membership by what a terminal reads: a card number or an activation code."""

from __future__ import annotations

from mosaic.domain.calendar import local_date
from mosaic.domain.codes import CodeKind, activation_code_kind
from mosaic.domain.errors import MembershipNotFound, MembershipNotUsable, SystemOfRecordUnavailable
from mosaic.domain.membership import DigitalMembership
from mosaic.domain.redemption import ensure_membership_usable
from mosaic.ports.documents import Container
from mosaic.ports.sor import SorUnavailable
from mosaic.services.backends import Backends
from mosaic.services.codes import find_code_owner
from mosaic.services.documents import load, read_or_none
from mosaic.services.program_rules import program_rules
from mosaic.services.refresh import RefreshReason, refresh_membership


def find_member(
    backends: Backends, program: str, *, card_number: str | None, activation_code: str | None
) -> tuple[DigitalMembership, bool]:
    """The membership, and whether it may be served today (program's business date)."""
    if card_number is not None:
        member = _by_card(backends, program, card_number)
    else:
        assert activation_code is not None
        member = _by_code(backends, program, activation_code)
    rules = program_rules(backends, program)
    try:
        ensure_membership_usable(
            member, local_date(backends.clock.now(), rules.timezone), rules.timezone
        )
    except MembershipNotUsable:
        return member, False
    return member, True


def _by_card(backends: Backends, program: str, card_number: str) -> DigitalMembership:
    found = backends.documents.query(
        Container.MEMBERSHIPS, program, equals={"membership.cardNumber": card_number}, limit=1
    )
    if not found:
        raise MembershipNotFound(f"no membership of program {program} has that card")
    return load(DigitalMembership, found[0])


def _by_code(backends: Backends, program: str, code: str) -> DigitalMembership:
    kind = activation_code_kind(code)
    number = find_code_owner(backends.documents, program, kind, code)
    if number is not None:
        stored = read_or_none(backends.documents, Container.MEMBERSHIPS, program, number)
        if stored is not None:
            member = load(DigitalMembership, stored)
            if member.membership.activation_code == code:
                return member
    if kind is not CodeKind.MEMBERSHIP_ACTIVATION:
        raise MembershipNotFound(f"no membership of program {program} has that code")
    try:
        number = backends.sor.find_membership_number(program, code)
    except SorUnavailable as error:
        raise SystemOfRecordUnavailable(
            "this membership is not digital yet and the system of record is not answering"
        ) from error
    if number is None:
        raise MembershipNotFound(f"no membership of program {program} has that code")
    return refresh_membership(backends, program, number, RefreshReason.MANUAL)
