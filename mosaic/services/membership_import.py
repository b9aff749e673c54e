"""The membership import (DESIGN section 1, fanned-out jobs): register and refresh every SoR
membership that started in a period, through the `membership-refresh` queue, tracked in a job
document.

The period is a calendar month (`{year, month}`) or the last `n` months up to the current one
(`{months: n}`), counted in UTC: a job spans programs, whose timezones differ by a day at most
at a month's edge, and a membership starting on such an edge is imported by the next month's
run or by its first login anyway.

The job document lives in the `system` container under the partition JOBS_PARTITION
("_jobs", which no program code can be: codes are A-Z and 0-9): a job spans programs, so no
program's partition is its own, and one partition makes `GET /control/jobs/{id}` a point
read and three counts. It holds `total` and `queued`, written by the run that creates it.

Outcomes are counted exactly, although delivery is at least once: the queue trigger records
a membership's outcome as one document per (job, membership), written by upsert, so a
message redelivered after its outcome was recorded (the instance died before deleting it)
writes the same document again instead of counting twice, and its last outcome is the one
that counts. `done`, `failed` and `dropped` are counts of those documents. A message
poisoned by repeated crashes records nothing: its job stays unfinished, which is what an
operator should see.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from mosaic.domain.errors import JobNotFound, SystemOfRecordUnavailable
from mosaic.ports.documents import Container, DocumentNotFound, JsonDocument, Where
from mosaic.ports.sor import SorUnavailable
from mosaic.services.backends import Backends
from mosaic.services.refresh_requests import RefreshReason, request_refresh

JOBS_PARTITION = "_jobs"
JOB_KIND_IMPORT = "import"
JOB_KIND_OUTCOME = "job-outcome"
QUEUE_BATCH = 500
"""Messages queued between two updates of the job's `queued` count."""
JOB_TTL_SECONDS = 30 * 24 * 3600
log = logging.getLogger("mosaic.import")


class JobOutcome(StrEnum):
    DONE = "done"
    FAILED = "failed"
    DROPPED = "dropped"
    """Already served (coalesced): counted as done as well."""


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def label(self) -> str:
        start, end = self.first.strftime("%Y-%m"), self.last.strftime("%Y-%m")
        return start if start == end else f"{start}..{end}"


def month_period(year: int, month: int) -> Period:
    first = date(year, month, 1)
    return Period(first, _month_end(first))


def last_months(today: date, months: int) -> Period:
    """The last `months` calendar months up to and including the month of `today`."""
    index = today.year * 12 + today.month - 1 - (months - 1)
    first = date(index // 12, index % 12 + 1, 1)
    return Period(first, _month_end(today.replace(day=1)))


def _month_end(first: date) -> date:
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


@dataclass(frozen=True)
class ImportStarted:
    job_id: str
    total: int


def start_import(backends: Backends, period: Period) -> ImportStarted:
    """Create the job and queue one refresh (reason import) per membership that started in
    `period`. Raises SystemOfRecordUnavailable (no job created)."""
    try:
        started = backends.sor.memberships_started(first=period.first, last=period.last)
    except SorUnavailable as error:
        raise SystemOfRecordUnavailable("the system of record is not answering") from error
    total = sum(len(numbers) for numbers in started.values())
    job_id = f"job-{uuid.uuid4()}"
    backends.documents.create(
        Container.SYSTEM,
        {
            "id": job_id,
            "program": JOBS_PARTITION,
            "kind": JOB_KIND_IMPORT,
            "period": period.label,
            "first": period.first.isoformat(),
            "last": period.last.isoformat(),
            "createdAt": backends.wall_clock.now().isoformat(),
            "total": total,
            "queued": 0,
            "ttl": JOB_TTL_SECONDS,
        },
    )
    pending = 0
    for program, numbers in started.items():
        for number in numbers:
            request_refresh(backends, program, number, RefreshReason.IMPORT, job=job_id)
            pending += 1
            if pending == QUEUE_BATCH:
                _count_queued(backends, job_id, pending)
                pending = 0
    if pending:
        _count_queued(backends, job_id, pending)
    log.info("import %s of %s: %d refreshes queued", job_id, period.label, total)
    return ImportStarted(job_id, total)


def _count_queued(backends: Backends, job_id: str, count: int) -> None:
    backends.documents.increment(Container.SYSTEM, JOBS_PARTITION, job_id, "queued", count)


def record_outcome(
    backends: Backends, job_id: str, program: str, number: str, outcome: JobOutcome
) -> None:
    """Record one membership's outcome on its job: an upsert of the (job, membership)
    document, safe from many instances at once and from redelivery. A job gone (expired)
    is left alone."""
    try:
        backends.documents.read(Container.SYSTEM, JOBS_PARTITION, job_id)
    except DocumentNotFound:
        log.warning("job %s is gone; outcome %s not counted", job_id, outcome.value)
        return
    backends.documents.upsert(
        Container.SYSTEM,
        {
            "id": f"{job_id}:{program}:{number}",
            "program": JOBS_PARTITION,
            "kind": JOB_KIND_OUTCOME,
            "job": job_id,
            "outcome": outcome.value,
            "ttl": JOB_TTL_SECONDS,
        },
    )


@dataclass(frozen=True)
class JobProgress:
    body: JsonDocument
    done: int
    failed: int
    dropped: int

    @property
    def finished(self) -> bool:
        """Everything queued, and an outcome recorded for every membership."""
        total, queued = int(self.body["total"]), int(self.body["queued"])
        return queued >= total and self.done + self.failed >= total


def read_job(backends: Backends, job_id: str) -> JobProgress:
    """The job document and its outcome counts (a dropped request counts as done too);
    raises JobNotFound."""
    try:
        body = backends.documents.read(Container.SYSTEM, JOBS_PARTITION, job_id).body
    except DocumentNotFound:
        raise JobNotFound(f"no job {job_id}") from None
    counts = {
        outcome: backends.documents.count(
            Container.SYSTEM,
            JOBS_PARTITION,
            where=[Where("job", "=", job_id), Where("outcome", "=", outcome.value)],
        )
        for outcome in JobOutcome
    }
    dropped = counts[JobOutcome.DROPPED]
    return JobProgress(body, counts[JobOutcome.DONE] + dropped, counts[JobOutcome.FAILED], dropped)
