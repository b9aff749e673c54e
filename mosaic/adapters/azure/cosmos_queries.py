"""The SQL of the Cosmos DB document store's queries: filters, order, keyset pages, count.

Every query names its program (`c.program = @program`) and hides expired items (`LIVE`);
every value is a parameter. Field paths become SQL text as `c["a"]["b"]`: `field_path`
allows only letters, digits and underscores in a segment, and the brackets keep a segment
that is a keyword of the query language (`value`, `order`) a property.

The port's `Where` compares JSON values as Cosmos DB's SQL does (a string only with strings,
a number only with numbers), so a condition is its operator, unchanged.

Order: by `(field, id)`. Cosmos DB orders one property's values by type first (null, false,
true, numbers, strings), but its comparison operators are undefined across types, so "after
the last document returned" is not one comparison. A query is read in segments: the
documents without the field (by id; first ascending, last descending), those whose field is
a primitive value (by field, then id: the composite indexes), and those whose field is an
array or an object (by id; last ascending). A page resumes by statements that each follow
one index range, as the embedded store's do: the rest of the last value's ties (by id), the
values beyond it of its type, each later type, then the later segments. Every statement is
one chain of ANDs: the npm Cosmos DB server's parser takes tens of milliseconds over every
parenthesised OR, for each new text in each container.

The continuation token is the segment and the last (value, id), with a fingerprint of the
query. Cosmos DB's own token is a position in one SDK query, and the stand-in's an offset:
neither keeps pages stable across writes between them, nor tells a foreign token.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from azure.cosmos import ContainerProxy

from mosaic.adapters.azure.cosmos_items import LIVE
from mosaic.adapters.document_rules import query_order
from mosaic.ports.documents import Container, JsonScalar, OrderBy, Where, field_path


def sql_path(path: str) -> str:
    """The SQL of a field's value: `c.id`, `c.program`, or `c["a"]["b"]`."""
    if path in ("id", "program"):
        return f"c.{path}"
    return "c" + "".join(f'["{segment}"]' for segment in field_path(path))


class Segment(StrEnum):
    MISSING = "missing"
    PRIMITIVE = "primitive"
    NESTED = "nested"


_TYPES = ("{f} = null", "{f} = false", "{f} = true", "IS_NUMBER({f})", "IS_STRING({f})")
"""The primitive types in Cosmos DB's order, each as a test of a field `f`."""
_NUMBER, _STRING = 3, 4


def _type_rank(value: JsonScalar) -> int:
    if value is None:
        return 0
    if isinstance(value, bool):
        return 2 if value else 1
    return _NUMBER if isinstance(value, int | float) else _STRING


@dataclass(frozen=True)
class Statement:
    segment: Segment
    sql: str
    parameters: list[dict[str, Any]]


class CosmosQuery:
    """One query of one program: its COUNT, and the SELECTs of a page from a position on."""

    def __init__(
        self,
        container: Container,
        program: str,
        where: Sequence[Where],
        order: OrderBy | None,
        now: float,
    ) -> None:
        order = query_order(container, where, order)
        self._path, self._descending = order.path, order.descending
        self._field = sql_path(order.path)
        fingerprint = [container, program, [[w.path, w.op, w.value] for w in where], order.path]
        self._fingerprint = hashlib.sha256(
            json.dumps([*fingerprint, order.descending]).encode()
        ).hexdigest()[:16]
        self._parameters: dict[str, Any] = {"@program": program, "@now": now}
        conditions = ["c.program = @program", LIVE]
        for number, condition in enumerate(where):
            name = f"@w{number}"
            self._parameters[name] = condition.value
            conditions.append(f"{sql_path(condition.path)} {condition.op} {name}")
        self._where = " AND ".join(conditions)
        self._segments = self._segments_of(any(w.path == order.path for w in where))

    def count(self) -> tuple[str, list[dict[str, Any]]]:
        return f"SELECT VALUE COUNT(1) FROM c WHERE {self._where}", _bound(self._parameters)

    def page(self, continuation: str | None) -> Iterator[Statement]:
        """The SELECTs to run in turn from the position of `continuation` on."""
        start = 0
        if continuation is not None:
            start, value, last_id = self._decode(continuation)
            yield from self._resume(self._segments[start], value, last_id)
            start += 1
        for segment in self._segments[start:]:
            yield self._statement(segment, [self._filter(segment)], self._order(segment))

    def continuation(self, segment: Segment, item: dict[str, Any]) -> str:
        """The token of the position just after `item`, a document of `segment`."""
        value = _value(item, self._path) if self._by_value(segment) else None
        text = json.dumps([self._fingerprint, segment, value, item["id"]], separators=(",", ":"))
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    def _segments_of(self, conditioned: bool) -> list[Segment]:
        if self._path == "id" or conditioned:
            # A condition on the field holds for none of the missing, arrays or objects.
            return [Segment.PRIMITIVE]
        segments = [Segment.MISSING, Segment.PRIMITIVE, Segment.NESTED]
        return segments[::-1] if self._descending else segments

    def _by_value(self, segment: Segment) -> bool:
        return segment is Segment.PRIMITIVE and self._path != "id"

    def _filter(self, segment: Segment) -> str:
        field = self._field
        if len(self._segments) == 1:
            return ""
        if segment is Segment.MISSING:
            return f"NOT IS_DEFINED({field})"
        if segment is Segment.NESTED:
            return f"IS_DEFINED({field}) AND NOT IS_PRIMITIVE({field})"
        return f"IS_PRIMITIVE({field})"

    def _order(self, segment: Segment) -> str:
        down = " DESC" if self._descending else ""
        return f"{self._field}{down}, c.id{down}" if self._by_value(segment) else f"c.id{down}"

    def _resume(self, segment: Segment, value: JsonScalar, last_id: str) -> Iterator[Statement]:
        """The statements of the rest of `segment` after (value, last_id)."""
        after, by_id = ("<", "c.id DESC") if self._descending else (">", "c.id")
        parameters: dict[str, Any] = {"@last_id": last_id}
        if not self._by_value(segment):
            conditions = [self._filter(segment), f"c.id {after} @last_id"]
            yield self._statement(segment, conditions, by_id, parameters)
            return
        field, rank = self._field, _type_rank(value)
        parameters["@last_key"] = value
        ties = f"{field} = @last_key AND c.id {after} @last_id"
        yield self._statement(segment, [ties], by_id, parameters)
        if rank in (_NUMBER, _STRING):
            beyond = f"{field} {after} @last_key"
            yield self._statement(segment, [beyond], self._order(segment), parameters)
        if len(self._segments) == 1:
            return  # a condition on the field: its values are of one type
        later = range(rank - 1, -1, -1) if self._descending else range(rank + 1, len(_TYPES))
        for other in later:
            order = self._order(segment) if other in (_NUMBER, _STRING) else by_id
            yield self._statement(segment, [_TYPES[other].format(f=field)], order)

    def _statement(
        self,
        segment: Segment,
        conditions: list[str],
        order: str,
        parameters: dict[str, Any] | None = None,
    ) -> Statement:
        where = " AND ".join([self._where, *(c for c in conditions if c)])
        sql = f"SELECT * FROM c WHERE {where} ORDER BY {order}"
        return Statement(segment, sql, _bound(self._parameters | (parameters or {})))

    def _decode(self, continuation: str) -> tuple[int, JsonScalar, str]:
        try:
            padded = continuation + "=" * (-len(continuation) % 4)
            fingerprint, segment, value, last_id = json.loads(base64.urlsafe_b64decode(padded))
            if fingerprint != self._fingerprint or not isinstance(last_id, str):
                raise ValueError
            if not isinstance(value, str | int | float | bool | None):
                raise ValueError
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError  # NaN and Infinity are no JSON a query can take
            return self._segments.index(Segment(segment)), value, last_id
        except (ValueError, TypeError, binascii.Error) as error:
            raise ValueError("not a continuation token of this query") from error


def _bound(parameters: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": name, "value": value} for name, value in parameters.items()]


def _value(item: dict[str, Any], path: str) -> Any:
    value: Any = item
    for segment in field_path(path):
        value = value.get(segment) if isinstance(value, dict) else None
    return value


def first_items(
    proxy: ContainerProxy, statement: Statement, scope: dict[str, Any], wanted: int
) -> list[dict[str, Any]]:
    """The first `wanted` items a statement finds: Cosmos DB pages of at most that many
    (`max_item_count`), read until there are enough (a page may hold fewer while more
    follow)."""
    found = proxy.query_items(
        statement.sql, parameters=statement.parameters, max_item_count=wanted, **scope
    )
    items: list[dict[str, Any]] = []
    for page in found.by_page():
        items += page
        if len(items) >= wanted:
            break
    return items[:wanted]
