"""Refreshing one digital membership from the SoR (the minimal refresh of the login slice)."""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime

from mosaic.domain.base import CamelModel
from mosaic.domain.building import build_membership
from mosaic.domain.calendar import history_start
from mosaic.domain.codes import CodeKind
from mosaic.domain.errors import MembershipNotFound, SystemOfRecordUnavailable
from mosaic.domain.membership import DigitalMembership, summarize
from mosaic.ports.documents import Container, JsonDocument, StoredDocument
from mosaic.ports.sor import SorUnavailable
from mosaic.services.backends import Backends
from mosaic.services.codes import register_code
from mosaic.services.documents import update_with_retries

MEMBERSHIP_REFRESH_QUEUE = "membership-refresh"


class RefreshReason(StrEnum):
    LOGIN = "login"
    DEVICE = "device"
    MANUAL = "manual"
    UPDATE = "update"
    IMPORT = "import"


class MembershipRefreshRequest(CamelModel):
    """The `membership-refresh` queue message."""

    program: str
    membership_number: str
    reason: RefreshReason
    requested_at: AwareDatetime


def request_refresh(backends: Backends, program: str, number: str, reason: RefreshReason) -> None:
    message = MembershipRefreshRequest(
        program=program,
        membership_number=number,
        reason=reason,
        requested_at=backends.clock.now(),
    )
    backends.queue.send(MEMBERSHIP_REFRESH_QUEUE, message.model_dump_json(by_alias=True))


def refresh_membership(
    backends: Backends, program: str, number: str, reason: RefreshReason
) -> DigitalMembership:
    """Rebuild the membership's SoR-owned sections, keep its digital-owned ones, index its
    codes and its search summary, and log the refresh."""
    started, clock_started = backends.clock.now(), time.perf_counter()
    outcome = "failed"
    try:
        document = _refresh(backends, program, number)
        outcome = "refreshed"
        return document
    except MembershipNotFound:
        outcome = "not-found"
        raise
    finally:
        _log(backends, program, number, reason, started, clock_started, outcome)


def _refresh(backends: Backends, program: str, number: str) -> DigitalMembership:
    now = backends.clock.now()
    try:
        record = backends.sor.membership_record(
            program, number, history_since=history_start(now.date())
        )
    except SorUnavailable as error:
        raise SystemOfRecordUnavailable("the system of record is not answering") from error
    if record is None:
        raise MembershipNotFound(f"no membership {number} in program {program}")
    built: list[DigitalMembership] = []

    def decide(current: StoredDocument | None) -> JsonDocument:
        existing = DigitalMembership.model_validate(current.body) if current else None
        built.append(build_membership(record, existing, now))
        return built[-1].model_dump(mode="json", by_alias=True)

    update_with_retries(backends.documents, Container.MEMBERSHIPS, program, number, decide)
    document = built[-1]
    _index(backends, document, now)
    return document


def _index(backends: Backends, document: DigitalMembership, now: datetime) -> None:
    store, program, number = backends.documents, document.program, document.id
    register_code(
        store,
        program,
        CodeKind.MEMBERSHIP_ACTIVATION,
        document.membership.activation_code,
        number,
        now,
    )
    for voucher in document.static_vouchers:
        register_code(store, program, CodeKind.STATIC_VOUCHER, voucher.code, number, now)
    backends.search.upsert([summarize(document)])


def _log(
    backends: Backends,
    program: str,
    number: str,
    reason: RefreshReason,
    started: datetime,
    clock_started: float,
    outcome: str,
) -> None:
    backends.documents.create(
        Container.REFRESH_LOG,
        {
            "id": uuid.uuid4().hex,
            "program": program,
            "kind": "membership",
            "key": number,
            "reason": reason.value,
            "started": started.isoformat(),
            "finished": backends.clock.now().isoformat(),
            "durationMs": round((time.perf_counter() - clock_started) * 1000, 3),
            "outcome": outcome,
        },
    )
