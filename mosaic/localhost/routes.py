"""Azure (ASP.NET) route templates, and finding the function a request path is for.

Supported: `{name}`, constraints `{name:int}` / `{name:long}` (digits only, the
value stays a string as in Azure), other constraints (matched as a plain segment),
optional `{name?}` and defaulted `{name=x}` trailing parameters (a missing one is
absent from route_params), and catch-all `{*rest}` (which may be empty). Paths match
case-insensitively, as Azure's do, and a trailing slash is ignored (no redirect).
A route without parameters is one dictionary look-up; the others are tried in
precedence order: literal segments before constrained, plain, then catch-all ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mosaic.localhost.discovery import FunctionSpec

_PARAMETER = re.compile(r"\{(?P<star>\*{1,2})?(?P<name>\w+)(?P<rest>[^}]*)\}")
Found = tuple[FunctionSpec, dict[str, str]]


@dataclass(frozen=True)
class _Route:
    spec: FunctionSpec
    methods: frozenset[str]
    pattern: re.Pattern[str]


class Router:
    def __init__(self, specs: list[FunctionSpec], prefix: str) -> None:
        self._literal: dict[str, list[_Route]] = {}
        self._patterns: list[_Route] = []
        http = sorted((s for s in specs if s.kind == "http"), key=lambda s: precedence(s.route))
        for spec in http:
            methods = frozenset(spec.methods) | ({"HEAD"} if "GET" in spec.methods else set())
            route = _Route(spec, methods, route_pattern(prefix, spec.route or ""))
            literal = literal_path(prefix, spec.route or "")
            if literal is None:
                self._patterns.append(route)
            else:
                self._literal.setdefault(literal, []).append(route)

    def match(self, method: str, path: str) -> Found | frozenset[str]:
        """The function for this method and path with its route parameters, or else the
        methods the path allows (empty: no function answers the path)."""
        if len(path) > 1 and path.endswith("/"):
            path = path.rstrip("/") or "/"
        allowed: frozenset[str] = frozenset()
        for route in self._literal.get(path.lower(), ()):
            if method in route.methods:
                return route.spec, {}
            allowed |= route.methods
        for route in self._patterns:
            matched = route.pattern.match(path)
            if matched is None:
                continue
            if method in route.methods:
                params = {k: v for k, v in matched.groupdict().items() if v is not None}
                return route.spec, params
            allowed |= route.methods
        return allowed


def literal_path(prefix: str, route: str) -> str | None:
    """The lowercased path of a route without parameters; None for one with parameters."""
    if _PARAMETER.search(route):
        return None
    return "/" + "/".join(part for part in (*_segments(prefix), *_segments(route))).lower()


def route_pattern(prefix: str, route: str) -> re.Pattern[str]:
    """The regular expression of the paths the Azure route template answers on."""
    regex = "".join("/" + re.escape(segment) for segment in _segments(prefix))
    for segment in _segments(route):
        text, optional = _segment(segment)
        regex += f"(?:/{text})?" if optional else f"/{text}"
    return re.compile(f"{regex or '/'}$", re.IGNORECASE)


def precedence(route: str | None) -> tuple[int, ...]:
    """Sort key: literal segments before constrained, plain, then catch-all parameters."""
    return tuple(_rank(segment) for segment in (route or "").strip("/").split("/"))


def _segments(text: str) -> list[str]:
    return [segment for segment in text.strip("/").split("/") if segment]


def _segment(segment: str) -> tuple[str, bool]:
    """The regex of one segment, and whether the segment may be left out."""
    parts, end, optional = [], 0, False
    for match in _PARAMETER.finditer(segment):
        parts.append(re.escape(segment[end : match.start()]))
        end = match.end()
        name, rest = match["name"], match["rest"]
        constraints = rest.split("=")[0].rstrip("?").split(":")
        if match["star"]:
            parts.append(f"(?P<{name}>.*)")
            optional = True
        elif "int" in constraints or "long" in constraints:
            parts.append(f"(?P<{name}>-?[0-9]+)")
        else:
            parts.append(f"(?P<{name}>[^/]+)")
        optional = optional or rest.endswith("?") or "=" in rest
    parts.append(re.escape(segment[end:]))
    whole = _PARAMETER.fullmatch(segment) is not None
    return "".join(parts), optional and whole


def _rank(segment: str) -> int:
    match = _PARAMETER.search(segment)
    if match is None:
        return 0
    if match["star"]:
        return 3
    return 1 if ":" in match["rest"] else 2
