"""Brochure-ware (GET /mobile/programs/{program}/content): what anyone may read of a
program, from its digital program document, no token needed."""

from __future__ import annotations

from dataclasses import dataclass

from mosaic.domain.calendar import local_date
from mosaic.domain.program import Content, ContentType
from mosaic.services.backends import Backends
from mosaic.services.programs import load_program


@dataclass(frozen=True)
class Brochure:
    program: str
    name: str
    content_type: ContentType
    content: Content


def program_brochure(backends: Backends, program: str, content_type: ContentType) -> Brochure:
    """The program's content of that type; offers that ended (on the program's business
    date) are left out even before the next program refresh drops them."""
    document = load_program(backends, program)
    today = local_date(backends.clock.now(), document.meta.timezone)
    content = document.content.get(content_type, Content())
    current = [o for o in content.offers if o.valid_to >= today]
    return Brochure(
        program=document.program,
        name=document.meta.name,
        content_type=content_type,
        content=content.model_copy(update={"offers": current}),
    )
