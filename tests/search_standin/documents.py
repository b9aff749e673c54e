"""Documents of a stand-in index (Index Documents), checked per batch (at most 1,000 actions,
properties of the index only, values of the field's type) and per document (key characters, a
filterable, sortable or facetable string over 32,766 UTF-8 bytes), with the per-document answers
`{"key", "status", "errorMessage", "statusCode"}` the service gives.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.search_standin.definitions import VALUE_CHECKS, Field
from tests.search_standin.errors import BadRequest

MAX_ACTIONS = 1000
MAX_TERM_BYTES = 32766
_KEY_VALUE = re.compile(r"^[A-Za-z0-9_\-=]{1,1024}$")
_ACTIONS = ("upload", "merge", "mergeOrUpload", "delete")


@dataclass
class Index:
    name: str
    fields: dict[str, Field]
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    etag: int = 1

    @property
    def key(self) -> str:
        return next(name for name, found in self.fields.items() if found.key)

    def definition(self) -> dict[str, Any]:
        return {
            "@odata.etag": f'"0x{self.etag:X}"',
            "name": self.name,
            "fields": [found.as_json() for found in self.fields.values()],
        }

    def apply(
        self, body: Any, refuse: Callable[[], tuple[int, str] | None]
    ) -> list[dict[str, Any]]:
        """Checks the whole batch, then applies each action; a refused action changes nothing.
        `refuse` may name a failure to answer for the next document (a busy service)."""
        actions = self._checked_actions(body)
        return [self._apply_one(action, refuse()) for action in actions]

    def _checked_actions(self, body: Any) -> list[dict[str, Any]]:
        if not isinstance(body, dict) or set(body) != {"value"}:
            raise BadRequest('The request is invalid. Details: the body is {"value": [...]}.')
        actions = body["value"]
        if not isinstance(actions, list) or not actions:
            raise BadRequest("The request is invalid. Details: actions : at least one action.")
        if len(actions) > MAX_ACTIONS:
            raise BadRequest(
                f"The request is invalid. Details: actions : a batch holds at most {MAX_ACTIONS} "
                f"actions, this one has {len(actions)}."
            )
        for number, action in enumerate(actions):
            self._check_action(number, action)
        return actions

    def _check_action(self, number: int, action: Any) -> None:
        if not isinstance(action, dict):
            raise BadRequest(f"The request is invalid. Details: actions : {number}: an object.")
        if action.get("@search.action", "upload") not in _ACTIONS:
            raise BadRequest(f"actions : {number}: unknown @search.action.")
        for name, value in action.items():
            if name == "@search.action":
                continue
            found = self.fields.get(name)
            if found is None:
                raise BadRequest(
                    f"The request is invalid. Details: actions : {number}: The property "
                    f"'{name}' does not exist on type 'search.documentFields'. Make sure to only "
                    "use property names that are defined by the type."
                )
            if value is not None and not VALUE_CHECKS[found.type](value):
                raise BadRequest(
                    f"The request is invalid. Details: actions : {number}: Cannot convert the "
                    f"value of '{name}' to {found.type}."
                )
        key = action.get(self.key)
        if not isinstance(key, str) or not key:
            raise BadRequest(f"actions : {number}: Document key cannot be missing or empty.")

    def _apply_one(self, action: dict[str, Any], refused: tuple[int, str] | None) -> dict[str, Any]:
        key: str = action[self.key]
        kind = action.get("@search.action", "upload")
        values = {name: value for name, value in action.items() if name != "@search.action"}
        problem = refused or self._problem(key, kind, values)
        if problem is not None:
            return {
                "key": key,
                "status": False,
                "errorMessage": problem[1],
                "statusCode": problem[0],
            }
        existed = key in self.documents
        if kind == "delete":
            self.documents.pop(key, None)
            self.tokens.pop(key, None)
        else:
            merged = {**self.documents[key], **values} if kind != "upload" and existed else values
            self.documents[key] = {name: merged.get(name) for name in self.fields}
            self.tokens[key] = {
                name: found.tokens(merged.get(name))
                for name, found in self.fields.items()
                if found.searchable
            }
        created = not existed and kind in ("upload", "mergeOrUpload")
        return {
            "key": key,
            "status": True,
            "errorMessage": None,
            "statusCode": 201 if created else 200,
        }

    def _problem(self, key: str, kind: str, values: Mapping[str, Any]) -> tuple[int, str] | None:
        if not _KEY_VALUE.match(key):
            return 400, (
                f"Invalid document key: '{key}'. Keys can only contain letters, digits, "
                "underscore (_), dash (-), or equal sign (=)."
            )
        if kind == "merge" and key not in self.documents:
            return 404, "Document not found."
        for name, value in values.items():
            found = self.fields[name]
            exact = found.filterable or found.sortable or found.facetable
            if exact and isinstance(value, str) and len(value.encode()) > MAX_TERM_BYTES:
                return 400, (
                    f"Field '{name}' contains a term that is too large to process. The max "
                    f"length for UTF-8 encoded terms is {MAX_TERM_BYTES} bytes."
                )
        return None
