"""The OpenAPI 3.1 document of every HTTP operation, built from their declarations."""

from __future__ import annotations

import json
import re
from typing import Any

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


def _schemas() -> dict[str, Any]:
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [(Problem, "serialization")]
    for op in OPERATIONS:
        if op.request is not None:
            models.append((op.request, "validation"))
        if op.response is not None:
            models.append((op.response, "serialization"))
    _, definitions = models_json_schema(models, ref_template=REF, by_alias=True)
    return dict(definitions.get("$defs", {}))


def _content(model: type[BaseModel], media: str = "application/json") -> dict[str, Any]:
    return {media: {"schema": {"$ref": REF.format(model=model.__name__)}}}


def _path_item(op: Operation) -> dict[str, Any]:
    item: dict[str, Any] = {"operationId": op.name, "summary": op.summary, "tags": [op.tag]}
    names = re.findall(r"{(\w+)", op.route)
    if names:
        item["parameters"] = [
            {"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in names
        ]
    if op.request is not None:
        item["requestBody"] = {"required": True, "content": _content(op.request)}
    ok: dict[str, Any] = {"description": "OK"}
    if op.response is not None:
        ok["content"] = _content(op.response)
    item["responses"] = {str(op.status): ok} | {
        str(status): {
            "description": "Problem",
            "content": _content(Problem, "application/problem+json"),
        }
        for status in op.errors
    }
    if op.security:
        item["security"] = [{op.security: []}]
    return item


def openapi_document() -> dict[str, Any]:
    """The document, built afresh from OPERATIONS (the route serves a cached copy)."""
    paths: dict[str, dict[str, Any]] = {}
    for op in sorted(OPERATIONS, key=lambda o: (o.route, o.method)):
        path = "/api/" + re.sub(r"{(\w+)[^}]*}", r"{\1}", op.route)
        paths.setdefault(path, {})[op.method.lower()] = _path_item(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Mosaic",
            "version": "1",
            "description": "Membership and loyalty back end (DESIGN.md section 5)",
        },
        "paths": paths,
        "components": {"schemas": _schemas(), "securitySchemes": SECURITY_SCHEMES},
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
