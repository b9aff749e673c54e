"""E-mails to members, rendered from Jinja2 templates to a subject, HTML and plain text.

Each template is three files under `templates/`: `<name>.subject.j2`, `<name>.html.j2` and
`<name>.txt.j2`, shown the same data (the JSON values a service passes, camelCase). HTML is
autoescaped; a value a template names but the data lacks is an error, never an empty string.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

POINTS_EXPIRY = "points-expiry"
RENEWAL = "renewal"
BOOKING_CONFIRMATION = "booking-confirmation"
TEMPLATES = (POINTS_EXPIRY, RENEWAL, BOOKING_CONFIRMATION)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


class UnknownTemplate(LookupError):
    """No e-mail template of that name."""


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("mosaic.emails", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_email(template: str, data: Mapping[str, Any]) -> RenderedEmail:
    """The e-mail `template` shows for `data`. Raises UnknownTemplate for a name not in
    TEMPLATES, and jinja2's UndefinedError when the data lacks a value the template shows."""
    if template not in TEMPLATES:
        raise UnknownTemplate(template)
    environment = _environment()

    def part(kind: str) -> str:
        return environment.get_template(f"{template}.{kind}.j2").render(data)

    return RenderedEmail(" ".join(part("subject").split()), part("html"), part("txt"))
