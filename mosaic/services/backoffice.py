"""What back-office staff read: membership search (the search index), a whole membership,
and a program's report (the program document). Staff see their own program only: another
program's membership is not found, never a hint that it exists."""

from __future__ import annotations

from typing import Any

from mosaic.domain.errors import InvalidField, MembershipNotFound, ProgramNotFound
from mosaic.domain.program import DigitalProgram
from mosaic.ports.documents import Container
from mosaic.ports.search import SearchPage
from mosaic.services.backends import Backends
from mosaic.services.callers import Caller
from mosaic.services.documents import read_or_none
from mosaic.services.programs import load_program


def _own_program(caller: Caller, program: str | None) -> str:
    return caller.program if program is None or program == caller.program else ""


def search_memberships(
    backends: Backends,
    caller: Caller,
    program: str | None,
    text: str | None,
    filters: dict[str, str],
    page: int,
    page_size: int,
) -> SearchPage:
    own = _own_program(caller, program)
    if not own:
        return SearchPage(items=[], total=0, page=page, page_size=page_size)
    try:
        return backends.search.search(own, text, filters=filters, page=page, page_size=page_size)
    except ValueError as error:
        raise InvalidField("page", str(error)) from None


def membership_document(
    backends: Backends, caller: Caller, program: str, number: str
) -> dict[str, Any]:
    """The whole stored membership, with PIN hashes left out (they open nothing to staff)."""
    found = None
    if program == caller.program:
        found = read_or_none(backends.documents, Container.MEMBERSHIPS, program, number)
    if found is None:
        raise MembershipNotFound(f"no membership {number} in program {program}")
    body = dict(found.body)
    body["pins"] = [{k: v for k, v in pin.items() if k != "hash"} for pin in body.get("pins", [])]
    return body


def program_report(backends: Backends, caller: Caller, program: str) -> DigitalProgram:
    if program != caller.program:
        raise ProgramNotFound(f"no program {program}")
    return load_program(backends, program)
