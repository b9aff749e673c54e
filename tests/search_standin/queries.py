"""Search Documents (POST .../docs/search.post.search) over one stand-in index.

The body may hold only the parameters the service documents; of those the stand-in serves
`search` (the simple query syntax: terms, `term*` prefixes, backslash escapes), `searchMode`,
`searchFields`, `queryType` simple, `filter`, `orderby`, `facets` (`field,count:N,sort:...`),
`select`, `count`, `skip` (at most 100,000) and `top`, and refuses the others as not implemented.
Without `orderby` the order is the order documents were first written (no relevance ranking).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tests.search_standin.definitions import Field
from tests.search_standin.documents import Index
from tests.search_standin.errors import BadRequest, NotImplementedByStandIn
from tests.search_standin.odata import FieldInfo, parse_filter

MAX_SKIP = 100_000
DEFAULT_TOP = 50
MAX_PAGE = 1000
_DOCUMENTED = {
    "count", "facets", "filter", "highlight", "highlightPostTag", "highlightPreTag",
    "minimumCoverage", "orderby", "queryType", "scoringStatistics", "sessionId",
    "scoringParameters", "scoringProfile", "debug", "search", "searchFields", "searchMode",
    "select", "skip", "top", "semanticConfiguration", "semanticErrorHandling",
    "semanticMaxWaitInMilliseconds", "semanticQuery", "answers", "captions", "vectorQueries",
    "vectorFilterMode", "queryLanguage", "speller", "hybridSearch", "queryRewrites",
}  # fmt: skip
_SERVED = {
    "count", "facets", "filter", "orderby", "queryType", "search", "searchFields",
    "searchMode", "select", "skip", "top", "sessionId",
}  # fmt: skip
_OPERATORS = set('+|-"()~')


@dataclass(frozen=True)
class Term:
    text: str
    prefix: bool


def search(index: Index, body: Any) -> dict[str, Any]:
    request = _checked(body)
    matches = _matching(index, request)
    skip, top = _int(request, "skip", 0, MAX_SKIP), request.get("top")
    if top is not None:
        top = _int(request, "top", 0, 2**31 - 1)
    page_size = DEFAULT_TOP if top is None else min(top, MAX_PAGE)
    answer: dict[str, Any] = {}
    if request.get("count"):
        answer["@odata.count"] = len(matches)
    if request.get("facets"):
        answer["@search.facets"] = _facets(index.fields, matches, request["facets"])
    selected = _selected(index.fields, request.get("select"))
    page = matches[skip : skip + page_size]
    answer["value"] = [
        {"@search.score": 1.0, **{name: document.get(name) for name in selected}}
        for document in page
    ]
    wanted = len(matches) - skip if top is None else min(top, len(matches) - skip)
    if wanted > page_size:
        following = {**request, "skip": skip + page_size}
        if top is not None:
            following["top"] = top - page_size
        answer["@search.nextPageParameters"] = following
    return answer


def _checked(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise BadRequest("The request is invalid. Details: the body is a JSON object.")
    for name, value in body.items():
        if name not in _DOCUMENTED:
            raise BadRequest(
                f"The request is invalid. Details: parameters : The parameter '{name}' in the "
                "request payload is not a valid parameter for the operation 'search'."
            )
        if name not in _SERVED and value is not None:
            raise NotImplementedByStandIn(f"the search parameter '{name}'")
    if body.get("queryType", "simple") != "simple":
        raise NotImplementedByStandIn(f"queryType {body['queryType']!r}")
    if body.get("searchMode", "any") not in ("any", "all"):
        raise BadRequest(f"Invalid searchMode '{body['searchMode']}': any or all.")
    return body


def _int(request: Mapping[str, Any], name: str, low: int, high: int) -> int:
    value = request.get(name, low)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise BadRequest(f"Invalid value for '{name}': an integer from {low} to {high}.")
    return value


def _matching(index: Index, request: Mapping[str, Any]) -> list[dict[str, Any]]:
    fields = index.fields
    terms = parse_simple_query(request.get("search") or "*")
    searched = _names(request.get("searchFields"), fields, "searchable", "searchFields")
    if not request.get("searchFields"):
        searched = [name for name, found in fields.items() if found.searchable]
    infos = {name: FieldInfo(found.type, found.filterable) for name, found in fields.items()}
    keep = parse_filter(request["filter"], infos) if request.get("filter") else None
    every = request.get("searchMode", "any") == "all"
    found: list[dict[str, Any]] = []
    for key, document in index.documents.items():
        tokens = [token for name in searched for token in index.tokens[key].get(name, [])]
        hits = [_matches(term, tokens) for term in terms]
        if terms and not (all(hits) if every else any(hits)):
            continue
        if keep is None or keep(document):
            found.append(document)
    return _ordered(found, fields, request.get("orderby"))


def parse_simple_query(text: str) -> list[Term]:
    """The simple syntax's terms: `*` alone matches everything (no terms); `\\` escapes the next
    character; an unescaped trailing `*` makes a prefix term. Operators are not served."""
    if text.strip() == "*":
        return []
    terms: list[Term] = []
    for raw in re.findall(r"(?:\\.|\S)+", text):
        characters, escaped, prefix = [], False, False
        for position, char in enumerate(raw):
            if escaped:
                characters.append(char)
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == "*" and position == len(raw) - 1 and characters:
                prefix = True
            elif char in _OPERATORS or char == "*":
                raise NotImplementedByStandIn(f"the simple syntax operator {char!r} in {text!r}")
            else:
                characters.append(char)
        terms.append(Term("".join(characters), prefix))
    return terms


def _matches(term: Term, tokens: list[str]) -> bool:
    if term.prefix:
        return any(token.startswith(term.text) for token in tokens)
    return term.text.lower() in tokens


def _names(listed: Any, fields: Mapping[str, Field], attribute: str, parameter: str) -> list[str]:
    if not listed:
        return []
    if not isinstance(listed, str):
        raise BadRequest(f"'{parameter}' is a comma-separated string of field names.")
    names = [name.strip() for name in listed.split(",")]
    for name in names:
        if name not in fields:
            raise BadRequest(f"Invalid expression: Could not find a property named '{name}'.")
        if not getattr(fields[name], attribute):
            raise BadRequest(
                f"Invalid expression: The field '{name}' is not {attribute}."
                f"\r\nParameter name: {parameter}"
            )
    return names


def _ordered(
    documents: list[dict[str, Any]], fields: Mapping[str, Field], orderby: Any
) -> list[dict[str, Any]]:
    clauses = [clause.split() for clause in orderby.split(",")] if orderby else []
    if len(clauses) > 32:
        raise BadRequest("Invalid expression: at most 32 $orderby clauses.")
    ordered = list(documents)
    for clause in reversed(clauses):
        if not clause or len(clause) > 2 or (len(clause) == 2 and clause[1] not in ("asc", "desc")):
            raise BadRequest(
                f"Invalid expression: '{' '.join(clause)}'\r\nParameter name: $orderby"
            )
        if "(" in clause[0]:
            raise NotImplementedByStandIn(f"$orderby function {clause[0]}")
        (name,) = _names(clause[0], fields, "sortable", "$orderby")
        ordered.sort(key=_sort_key(name), reverse=clause[-1] == "desc")
    return ordered


def _sort_key(name: str) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    # Nulls come first in ascending order, as the service sorts them.
    return lambda document: (0,) if document.get(name) is None else (1, document[name])


def _facets(
    fields: Mapping[str, Field], documents: list[dict[str, Any]], facets: Any
) -> dict[str, list[dict[str, Any]]]:
    if not isinstance(facets, list):
        raise BadRequest("'facets' is a list of facet expressions.")
    answer: dict[str, list[dict[str, Any]]] = {}
    for expression in facets:
        name, *options = str(expression).split(",")
        (name,) = _names(name, fields, "facetable", "facets")
        count, order = 10, "count"
        for option in options:
            option_name, _, value = option.partition(":")
            if option_name == "count" and value.isdigit():
                count = int(value)
            elif option_name == "sort" and value in ("count", "-count", "value", "-value"):
                order = value
            else:
                raise NotImplementedByStandIn(f"facet option {option!r}")
        counted = Counter(_values(document.get(name)) for document in documents)
        counted.pop(None, None)
        buckets = sorted(counted.items(), key=_bucket_order(order))[:count]
        answer[name] = [{"value": value, "count": number} for value, number in buckets]
    return answer


def _values(value: Any) -> Any:
    if isinstance(value, list):
        raise NotImplementedByStandIn("facets over collections")
    return value


def _bucket_order(order: str) -> Callable[[tuple[Any, int]], tuple[Any, ...]]:
    if order in ("count", "-count"):
        sign = -1 if order == "count" else 1
        return lambda bucket: (sign * bucket[1], bucket[0])
    if order == "value":
        return lambda bucket: (bucket[0],)
    return lambda bucket: (_Reversed(bucket[0]),)


class _Reversed:
    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Reversed) -> bool:
        return bool(self.value > other.value)


def _selected(fields: Mapping[str, Field], select: Any) -> list[str]:
    if not select or select.strip() == "*":
        return [name for name, found in fields.items() if found.retrievable]
    return _names(select, fields, "retrievable", "$select")
