"""Azure (ASP.NET) route templates as Starlette paths.

Supported: `{name}`, constraints `{name:int}` / `{name:long}` (digits only,
the value stays a string as in Azure), other constraints (matched as a plain
segment), optional `{name?}` and defaulted `{name=x}` trailing parameters
(the path is registered with and without them; a missing one is absent from
route_params), and catch-all `{*rest}`. Matching is case-sensitive here,
case-insensitive in Azure.
"""

from __future__ import annotations

import re
from typing import ClassVar

from starlette.convertors import Convertor, register_url_convertor

_PARAMETER = re.compile(r"\{(?P<star>\*{1,2})?(?P<name>\w+)(?P<rest>[^}]*)\}")


class DigitsConvertor(Convertor[str]):
    """ASP.NET's int constraint: an optionally signed integer, kept as text."""

    regex: ClassVar[str] = "-?[0-9]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("azure_int", DigitsConvertor())


def starlette_paths(prefix: str, route: str) -> list[str]:
    """Every Starlette path the Azure route template answers on, longest first."""
    segments = [segment for segment in route.strip("/").split("/") if segment]
    converted = [_segment(segment) for segment in segments]
    paths = [_join(prefix, [text for text, _ in converted])]
    while converted and converted[-1][1]:
        converted.pop()
        paths.append(_join(prefix, [text for text, _ in converted]))
    return paths


def precedence(route: str) -> tuple[int, ...]:
    """Sort key: literal segments before constrained, plain, then catch-all parameters."""
    return tuple(_rank(segment) for segment in route.strip("/").split("/"))


def _segment(segment: str) -> tuple[str, bool]:
    """The Starlette text of one segment and whether the segment may be left out."""
    optional = False

    def replace(match: re.Match[str]) -> str:
        nonlocal optional
        name, rest = match["name"], match["rest"]
        if match["star"]:
            return "{" + name + ":path}"
        optional = optional or rest.endswith("?") or "=" in rest
        constraints = rest.split("=")[0].rstrip("?").split(":")
        if "int" in constraints or "long" in constraints:
            return "{" + name + ":azure_int}"
        return "{" + name + "}"

    text = _PARAMETER.sub(replace, segment)
    return text, optional and segment.startswith("{") and segment.endswith("}")


def _join(prefix: str, segments: list[str]) -> str:
    parts = [part for part in (prefix.strip("/"), *segments) if part]
    return "/" + "/".join(parts)


def _rank(segment: str) -> int:
    match = _PARAMETER.search(segment)
    if match is None:
        return 0
    if match["star"]:
        return 3
    return 1 if ":" in match["rest"] else 2
