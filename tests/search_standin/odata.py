"""The OData $filter subset of Azure AI Search the stand-in evaluates.

Comparisons of a field with a literal (`eq ne gt ge lt le`), `and`, `or`, `not`, parentheses,
`search.in(field, 'a, b')` (optionally with delimiters), `true`/`false`; string literals in single
quotes with '' for a quote, numbers, `null`. A field that is not in the index or not filterable is
refused with the service's messages; syntax the stand-in does not know (lambdas over collections,
geo functions, search.ismatch) is refused as not implemented, never guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tests.search_standin.errors import BadRequest, NotImplementedByStandIn

Document = Mapping[str, Any]
Predicate = Callable[[Document], bool]

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)|(?P<punct>[(),/:]))"
)
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a is not None and b is not None and a > b,
    "ge": lambda a, b: a is not None and b is not None and a >= b,
    "lt": lambda a, b: a is not None and b is not None and a < b,
    "le": lambda a, b: a is not None and b is not None and a <= b,
}
_NUMERIC = {"Edm.Int32", "Edm.Int64", "Edm.Double"}


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


@dataclass(frozen=True)
class FieldInfo:
    type: str
    filterable: bool


def parse_filter(text: str, fields: Mapping[str, FieldInfo]) -> Predicate:
    parser = _Parser(_tokens(text), fields)
    predicate = parser.expression()
    if parser.peek() is not None:
        raise _invalid(f"unexpected '{parser.peek().text}'")  # type: ignore[union-attr]
    return predicate


def _tokens(text: str) -> list[Token]:
    found: list[Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None:
            raise _invalid(f"syntax error at position {position} in '{text}'")
        kind = match.lastgroup or ""
        found.append(Token(kind, match.group(kind)))
        position = match.end()
    return found


def _invalid(detail: str) -> BadRequest:
    return BadRequest(f"Invalid expression: {detail}\r\nParameter name: $filter")


class _Parser:
    def __init__(self, tokens: list[Token], fields: Mapping[str, FieldInfo]) -> None:
        self._tokens = tokens
        self._at = 0
        self._fields = fields

    def peek(self) -> Token | None:
        return self._tokens[self._at] if self._at < len(self._tokens) else None

    def take(self, text: str | None = None) -> Token:
        token = self.peek()
        if token is None or (text is not None and token.text != text):
            raise _invalid(f"expected '{text or 'more'}'")
        self._at += 1
        return token

    def expression(self) -> Predicate:
        return self._joined("or", self.conjunction, _any)

    def conjunction(self) -> Predicate:
        return self._joined("and", self.unary, _all)

    def _joined(
        self,
        word: str,
        part: Callable[[], Predicate],
        combine: Callable[[list[Predicate]], Predicate],
    ) -> Predicate:
        parts = [part()]
        while self._next_is(word):
            self.take()
            parts.append(part())
        return parts[0] if len(parts) == 1 else combine(parts)

    def unary(self) -> Predicate:
        if self._next_is("not"):
            self.take()
            inner = self.unary()
            return lambda document: not inner(document)
        return self.primary()

    def primary(self) -> Predicate:
        token = self.take()
        if token.text == "(":
            inner = self.expression()
            self.take(")")
            return inner
        if token.text in ("true", "false"):
            value = token.text == "true"
            return lambda document: value
        if token.text == "search.in":
            return self.search_in()
        if token.kind != "name" or token.text in ("and", "or", "not"):
            raise _invalid(f"unexpected '{token.text}'")
        if self._next_is("/") or self._next_is("("):
            raise NotImplementedByStandIn(f"the stand-in filters on top-level fields: {token.text}")
        return self.comparison(token.text)

    def comparison(self, name: str) -> Predicate:
        field = self.field(name)
        operator = self.take().text
        if operator not in _COMPARISONS:
            raise _invalid(f"expected a comparison operator after '{name}', not '{operator}'")
        value = self.literal(field)
        compare = _COMPARISONS[operator]
        return lambda document: compare(document.get(name), value)

    def search_in(self) -> Predicate:
        self.take("(")
        name = self.take().text
        field = self.field(name)
        if field.type != "Edm.String":
            raise _invalid(f"search.in applies to string fields, not '{name}'")
        self.take(",")
        values = self.string()
        delimiters = " ,"
        if self._next_is(","):
            self.take()
            delimiters = self.string()
        self.take(")")
        allowed = {part for part in re.split(f"[{re.escape(delimiters)}]", values) if part}
        return lambda document: document.get(name) in allowed

    def field(self, name: str) -> FieldInfo:
        field = self._fields.get(name)
        if field is None:
            raise _invalid(f"Could not find a property named '{name}' on type 'search.document'.")
        if not field.filterable:
            raise _invalid(
                f"The field '{name}' is not filterable. "
                "Only filterable fields can be used in filter expressions."
            )
        if field.type.startswith("Collection("):
            raise NotImplementedByStandIn("filters over collections (any/all) are not served")
        return field

    def literal(self, field: FieldInfo) -> Any:
        token = self.take()
        if token.text == "null":
            return None
        if token.kind == "string" and field.type in ("Edm.String", "Edm.DateTimeOffset"):
            return token.text[1:-1].replace("''", "'")
        if token.kind == "number" and field.type in _NUMERIC:
            return float(token.text) if field.type == "Edm.Double" else int(token.text)
        if token.text in ("true", "false") and field.type == "Edm.Boolean":
            return token.text == "true"
        raise _invalid(f"the literal {token.text} cannot be compared with a {field.type} field")

    def string(self) -> str:
        token = self.take()
        if token.kind != "string":
            raise _invalid(f"expected a string literal, not '{token.text}'")
        return token.text[1:-1].replace("''", "'")

    def _next_is(self, text: str) -> bool:
        token = self.peek()
        return token is not None and token.text == text


def _any(predicates: list[Predicate]) -> Predicate:
    return lambda document: any(predicate(document) for predicate in predicates)


def _all(predicates: list[Predicate]) -> Predicate:
    return lambda document: all(predicate(document) for predicate in predicates)
