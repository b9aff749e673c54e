"""Index definitions (Create or Update Index) of the stand-in, checked as the service checks
them: known properties only, field names and types, one Edm.String key, attribute defaults as
documented (an omitted `filterable`, `sortable`, `facetable` or `retrievable` is true,
`searchable` is true for strings), and an update may add fields but not change or drop one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from tests.search_standin.errors import BadRequest, NotImplementedByStandIn

_INDEX_PROPERTIES = {
    "name", "description", "fields", "scoringProfiles", "defaultScoringProfile", "corsOptions",
    "suggesters", "analyzers", "tokenizers", "tokenFilters", "charFilters", "normalizers",
    "encryptionKey", "similarity", "semantic", "vectorSearch", "@odata.etag", "@odata.context",
}  # fmt: skip
_SERVED_INDEX_PROPERTIES = {"name", "description", "fields", "@odata.etag", "@odata.context"}
_FIELD_PROPERTIES = {
    "name", "type", "key", "retrievable", "stored", "searchable", "filterable", "sortable",
    "facetable", "analyzer", "searchAnalyzer", "indexAnalyzer", "normalizer", "dimensions",
    "vectorSearchProfile", "vectorEncoding", "synonymMaps", "fields",
}  # fmt: skip
_SERVED_FIELD_PROPERTIES = {
    "name", "type", "key", "retrievable", "stored", "searchable", "filterable", "sortable",
    "facetable", "analyzer",
}  # fmt: skip
_STRING_TYPES = {"Edm.String", "Collection(Edm.String)"}
VALUE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "Edm.String": lambda value: isinstance(value, str),
    "Edm.Int32": lambda value: _is_int(value) and -(2**31) <= value < 2**31,
    "Edm.Int64": lambda value: _is_int(value) and -(2**63) <= value < 2**63,
    "Edm.Double": lambda value: isinstance(value, int | float) and not isinstance(value, bool),
    "Edm.Boolean": lambda value: isinstance(value, bool),
    "Edm.DateTimeOffset": lambda value: isinstance(value, str),
    "Collection(Edm.String)": lambda value: (
        isinstance(value, list) and all(isinstance(item, str) for item in value)
    ),
}
_INDEX_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?!-)){1,127}$")
_FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,127}$")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _whitespace(text: str) -> list[str]:
    # Lucene's whitespace tokenizer cuts a token at 255 characters.
    return [word[i : i + 255] for word in text.split() for i in range(0, len(word), 255)]


ANALYZERS: dict[str, Callable[[str], list[str]]] = {
    "whitespace": _whitespace,
    "keyword": lambda text: [text],
    "simple": lambda text: re.findall(r"[^\W\d_]+", text.lower()),
    # An approximation of the standard tokenizer (UAX #29): word characters, joined by the
    # letters-only punctuation it keeps inside a word ("o'brien", "somsak.r", "kanya_s").
    "standard.lucene": lambda text: re.findall(r"\w+(?:[.'\u2019:]\w+)*", text.lower()),
}


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    key: bool
    retrievable: bool
    searchable: bool
    filterable: bool
    sortable: bool
    facetable: bool
    analyzer: str | None

    def tokens(self, value: Any) -> list[str]:
        analyze = ANALYZERS[self.analyzer or "standard.lucene"]
        values = value if isinstance(value, list) else [value]
        return [token for item in values if item is not None for token in analyze(item)]

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def parse_definition(name: str, body: Any) -> dict[str, Field]:
    if not isinstance(body, dict):
        raise BadRequest("The request is invalid. Details: index : an index definition object.")
    _only_known(body, _INDEX_PROPERTIES, _SERVED_INDEX_PROPERTIES, "index")
    if body.get("name", name) != name:
        raise BadRequest("The index name in the request body does not match the URI.")
    if not _INDEX_NAME.match(name):
        raise BadRequest(f"Index name '{name}' is invalid: lower case letters, digits, dashes.")
    raw_fields = body.get("fields")
    if not isinstance(raw_fields, list) or not raw_fields:
        raise BadRequest("The request is invalid. Details: index : fields are required.")
    fields: dict[str, Field] = {}
    for raw in raw_fields:
        parsed = _parse_field(raw)
        if parsed.name in fields:
            raise BadRequest(f"The field name '{parsed.name}' appears more than once.")
        fields[parsed.name] = parsed
    keys = [parsed for parsed in fields.values() if parsed.key]
    if len(keys) != 1 or keys[0].type != "Edm.String":
        raise BadRequest("The index must have exactly one key field, of type Edm.String.")
    return fields


def _only_known(body: Mapping[str, Any], known: set[str], served: set[str], what: str) -> None:
    for name, value in body.items():
        if name not in known:
            raise BadRequest(
                f"The request is invalid. Details: {what} : The property '{name}' does not "
                "exist on this type. Make sure to only use property names defined by the type."
            )
        if name not in served and value not in (None, [], {}):
            raise NotImplementedByStandIn(f"the {what} property '{name}'")


def _parse_field(raw: Any) -> Field:
    if not isinstance(raw, dict):
        raise BadRequest("The request is invalid. Details: a field must be an object.")
    _only_known(raw, _FIELD_PROPERTIES, _SERVED_FIELD_PROPERTIES, "field")
    name, kind = raw.get("name"), raw.get("type")
    if not isinstance(name, str) or not _FIELD_NAME.match(name) or name.startswith("azureSearch"):
        raise BadRequest(f"Invalid field name '{name}'.")
    if kind not in VALUE_CHECKS:
        raise BadRequest(f"The field '{name}' has an unknown or unserved type '{kind}'.")
    if raw.get("stored") is False:
        raise NotImplementedByStandIn(f"stored=false on '{name}'")
    string, collection = kind in _STRING_TYPES, kind.startswith("Collection(")
    parsed = Field(
        name=name,
        type=kind,
        key=bool(raw.get("key", False)),
        retrievable=_flag(raw, "retrievable", True),
        searchable=_flag(raw, "searchable", string),
        filterable=_flag(raw, "filterable", True),
        sortable=_flag(raw, "sortable", not collection),
        facetable=_flag(raw, "facetable", True),
        analyzer=raw.get("analyzer"),
    )
    if parsed.searchable and not string:
        raise BadRequest(f"The field '{name}' of type {kind} cannot be searchable.")
    if parsed.sortable and collection:
        raise BadRequest(f"The collection field '{name}' cannot be sortable.")
    if parsed.analyzer is not None and not parsed.searchable:
        raise BadRequest(f"The field '{name}' has an analyzer but is not searchable.")
    if parsed.analyzer is not None and parsed.analyzer not in ANALYZERS:
        raise NotImplementedByStandIn(f"analyzer '{parsed.analyzer}' (served: {list(ANALYZERS)})")
    if parsed.key and not parsed.retrievable:
        raise BadRequest(f"The key field '{name}' must be retrievable.")
    return parsed


def _flag(raw: Mapping[str, Any], name: str, default: bool) -> bool:
    value = raw.get(name)
    return default if value is None else bool(value)


def check_update(existing: Mapping[str, Field], wanted: Mapping[str, Field]) -> None:
    """An index keeps its fields: an update may only add new ones."""
    for name, current in existing.items():
        if name not in wanted:
            raise BadRequest(
                f"Index update not allowed because it would delete field '{name}'; "
                "existing fields cannot be deleted."
            )
        if wanted[name] != current:
            raise BadRequest(f"Existing field '{name}' cannot be changed.")
