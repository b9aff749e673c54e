"""The OpenAPI 3.1 document of every HTTP operation, built from their declarations."""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from typing import Any, cast

import azure.functions as func
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from mosaic.functions.http import OPERATIONS, Operation, operation
from mosaic.functions.problems import Problem

bp = func.Blueprint()

SECURITY_SCHEMES = {
    "member": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
    "agent": {"type": "apiKey", "in": "header", "name": "X-Agent-Key"},
    "staff": {"type": "apiKey", "in": "header", "name": "X-Staff-Key"},
    "admin": {"type": "apiKey", "in": "header", "name": "X-Admin-Key"},
}
REF = "#/components/schemas/{model}"
NO_CONTENT = frozenset({204, 304})
Refs = dict[tuple[type[BaseModel], JsonSchemaMode], dict[str, Any]]


def _schemas() -> tuple[Refs, dict[str, Any]]:
    """Each model's `$ref` (by model and mode: a model may differ as input and output) and
    the component schemas they point to."""
    models: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {(Problem, "serialization"): None}
    for op in OPERATIONS:
        models |= {(m, "validation"): None for m in (op.request, op.query) if m is not None}
        if op.response is not None:
            models[(op.response, "serialization")] = None
    refs, definitions = models_json_schema(list(models), ref_template=REF, by_alias=True)
    by_model: Refs = {(cast(type[BaseModel], m), mode): ref for (m, mode), ref in refs.items()}
    return by_model, dict(definitions.get("$defs", {}))


class _Builder:
    """One operation's path item, its schemas referred to from components."""

    def __init__(self, refs: Refs, schemas: dict[str, Any]) -> None:
        self.refs = refs
        self.schemas = schemas

    def content(self, model: type[BaseModel], mode: JsonSchemaMode, media: str) -> dict[str, Any]:
        return {media: {"schema": self.refs[(model, mode)]}}

    def path_item(self, op: Operation) -> dict[str, Any]:
        item: dict[str, Any] = {"operationId": op.name, "summary": op.summary, "tags": [op.tag]}
        parameters = [
            {"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
            for n in re.findall(r"{(\w+)", op.route)
        ]
        parameters += self.query_parameters(op.query) if op.query is not None else []
        parameters += [
            {
                "name": n,
                "in": "header",
                "required": r,
                "description": d,
                "schema": {"type": "string"},
            }
            for n, d, r in op.headers
        ]
        if parameters:
            item["parameters"] = parameters
        if op.request is not None:
            content = self.content(op.request, "validation", "application/json")
            item["requestBody"] = {"required": True, "content": content}
        item["responses"] = self.responses(op)
        if op.security:
            item["security"] = [{op.security: []}]
        return item

    def query_parameters(self, model: type[BaseModel]) -> list[dict[str, Any]]:
        """One `in: query` parameter per field of the model, with its schema."""
        schema = self.schemas[self.refs[(model, "validation")]["$ref"].rsplit("/", 1)[1]]
        required = set(schema.get("required", ()))
        parameters = []
        for name, field in schema["properties"].items():
            field = dict(field)
            parameter = {"name": name, "in": "query", "required": name in required}
            if "description" in field:
                parameter["description"] = field.pop("description")
            parameters.append(parameter | {"schema": _absent_not_null(field)})
        return parameters

    def responses(self, op: Operation) -> dict[str, Any]:
        """The success statuses (the response body unless the status has none), then a
        problem for each error; a body's size limit (413) goes without saying."""
        responses: dict[str, Any] = {}
        for status in (op.status, *op.extra_statuses):
            answer: dict[str, Any] = {"description": HTTPStatus(status).phrase}
            if op.response is not None and status not in NO_CONTENT:
                answer["content"] = self.content(op.response, "serialization", "application/json")
            responses[str(status)] = answer
        errors = sorted({*op.errors, *((413,) if op.request is not None else ())})
        problem = self.content(Problem, "serialization", "application/problem+json")
        for status in errors:
            responses[str(status)] = {"description": HTTPStatus(status).phrase, "content": problem}
        return responses


def _absent_not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional parameter's schema without the `null` its model allows: a query
    parameter is left out, never null."""
    branches = [b for b in schema.get("anyOf", ()) if b != {"type": "null"}]
    if len(branches) != 1 or schema.get("default", ...) is not None:
        return schema
    rest: dict[str, Any] = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
    return rest | dict(branches[0])


def openapi_document() -> dict[str, Any]:
    """The document, built afresh from OPERATIONS (the route serves a cached copy)."""
    refs, schemas = _schemas()
    builder = _Builder(refs, schemas)
    paths: dict[str, dict[str, Any]] = {}
    for op in sorted(OPERATIONS, key=lambda o: (o.route, o.method)):
        path = "/api/" + re.sub(r"{(\w+)[^}]*}", r"{\1}", op.route)
        paths.setdefault(path, {})[op.method.lower()] = builder.path_item(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Mosaic",
            "version": "1",
            "description": "Membership and loyalty back end (DESIGN.md section 5)",
        },
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": SECURITY_SCHEMES},
    }


@operation(
    bp,
    name="openapi",
    method="GET",
    route="openapi.json",
    summary="This document: OpenAPI 3.1 of every route",
)
def openapi(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(openapi_bytes(), mimetype="application/json")


_built: tuple[int, bytes] | None = None


def openapi_bytes() -> bytes:
    """The document as served: built once (it takes milliseconds), again only when more
    operations were declared since (a blueprint imported later)."""
    global _built
    if _built is None or _built[0] != len(OPERATIONS):
        count = len(OPERATIONS)
        _built = count, json.dumps(openapi_document()).encode()
    return _built[1]
