"""The API reference: every route, parameter and answer of the OpenAPI document the server
serves at /openapi.json, and every error code of the HTTP adapter's one error table."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from image_repo.adapters.http.errors import ERROR_TABLE
from image_repo.adapters.http.openapi import OPENAPI
from image_repo.docs_site.markdown import escaped, sentence

INTRO = """# API reference

Every route, parameter and answer, as the server describes itself at `/openapi.json` (OpenAPI
3.1), and every error code. [HTTP API](../http-api.md) shows each in use, with an example
request and what comes back; [Editing](../editing.md) and
[Placeholders and focal points](../placeholders-and-focal-points.md) say more of theirs."""
# The image GET's parameters are the ones guides link to: they get bare anchors (`api.md#kind`).
MAIN = ("/images/{name}", "get")
METHODS = ("get", "head", "put", "post", "delete")

Schema = Mapping[str, Any]


def api_page() -> str:
    paths: Mapping[str, Mapping[str, Any]] = OPENAPI["paths"]
    parts = [INTRO, "## Routes", _routes_table(paths)]
    for path, operations in paths.items():
        for method in METHODS:
            if method in operations:
                parts += _operation(path, method, operations)
    parts += ["## Errors", _errors()]
    parts += ["## JSON bodies", *_schemas(OPENAPI["components"]["schemas"])]
    return "\n\n".join(parts) + "\n"


def route_anchor(path: str, method: str) -> str:
    return f"{method}-" + (re.sub(r"[^a-z]+", "-", path.lower()).strip("-") or "root")


def _routes_table(paths: Mapping[str, Mapping[str, Any]]) -> str:
    rows = ["| method | path | what it does |", "| --- | --- | --- |"]
    for path, operations in paths.items():
        for method in METHODS:
            if method in operations:
                link = f"[`{path}`](#{route_anchor(path, method)})"
                summary = escaped(operations[method]["summary"])
                rows.append(f"| `{method.upper()}` | {link} | {summary} |")
    return "\n".join(rows)


def _operation(path: str, method: str, operations: Mapping[str, Any]) -> Iterator[str]:
    operation = operations[method]
    anchor = route_anchor(path, method)
    yield f"## {method.upper()} {path} {{#{anchor}}}"
    yield sentence(operation["summary"])
    parameters = operation.get("parameters", [])
    if method == "head" and parameters == operations.get("get", {}).get("parameters"):
        yield f"Parameters: those of [GET {path}](#{route_anchor(path, 'get')})."
    elif parameters:
        yield f"### Parameters of {method.upper()} {path} {{#{anchor}-parameters}}"
        prefix = "" if (path, method) == MAIN else anchor + "-"
        for parameter in parameters:
            yield _parameter(parameter, prefix)
    if "requestBody" in operation:
        media = ", ".join(f"`{m}`" for m in operation["requestBody"]["content"])
        yield f"Body: the image's bytes ({media})."
    yield f"### Answers of {method.upper()} {path} {{#{anchor}-answers}}"
    yield _responses(operation["responses"])


def _parameter(parameter: Schema, prefix: str) -> str:
    name = parameter["name"]
    where = {"query": "query parameter", "path": "in the path", "header": "request header"}
    facts = [where[parameter["in"]], "required" if parameter.get("required") else "optional"]
    facts.append(type_of(parameter["schema"]))
    return "\n\n".join(
        [
            f"#### `{name}` {{#{prefix}{name.lower()}}}",
            sentence(parameter["description"]),
            "*" + ", ".join(facts) + "*",
        ]
    )


def _responses(responses: Mapping[str, Schema]) -> str:
    rows = ["| status | meaning | body |", "| --- | --- | --- |"]
    notes = []
    for status, response in responses.items():
        body = ", ".join(
            f"`{media}`" + (f" ({type_of(c['schema'])})" if media == "application/json" else "")
            for media, c in response.get("content", {}).items()
        )
        rows.append(f"| {status} | {sentence(response['description'])} | {body or '-'} |")
        for header, spec in response.get("headers", {}).items():
            described = f": {sentence(spec['description'])}" if "description" in spec else ""
            notes.append(f"- {status}, `{header}`{described} ({type_of(spec['schema'])})")
    if notes:
        rows += ["", "Headers:", "", *notes]
    return "\n".join(rows)


def type_of(schema: Schema) -> str:
    """A schema in a few words: `one of ...`, links to the JSON bodies, patterns as code."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return f"[{name}](#schema-{name.lower()})"
    if "oneOf" in schema:
        return " or ".join(type_of(s) for s in schema["oneOf"])
    if "enum" in schema:
        return "one of " + ", ".join(f"`{value}`" for value in schema["enum"])
    kinds = schema.get("type", "any")
    kind = " or ".join(kinds) if isinstance(kinds, list) else kinds
    if schema.get("format") == "binary":
        return "bytes"
    if "items" in schema:
        return f"array of {type_of(schema['items'])}"
    if "properties" in schema and "object" in kind:
        return kind.replace("object", "object {" + ", ".join(schema["properties"]) + "}")
    if isinstance(schema.get("additionalProperties"), Mapping):
        return f"object of name: {type_of(schema['additionalProperties'])}"
    if "pattern" in schema:
        return f"{kind} matching `{schema['pattern']}`"
    return str(kind)


def _errors() -> str:
    rows = [
        'Every error is JSON `{"error": code, "detail": words}` with `Cache-Control: '
        "no-store`; a 503 carries `Retry-After`, a 401 `WWW-Authenticate`. "
        "[HTTP API](../http-api.md#errors) says when each comes.",
        "",
        "| status | error |",
        "| --- | --- |",
    ]
    for status, code in sorted(set(ERROR_TABLE.values())):
        rows.append(f"| {status} | `{code}` |")
    return "\n".join(rows)


def _schemas(schemas: Mapping[str, Schema]) -> Iterator[str]:
    for name, schema in schemas.items():
        required = set(schema.get("required", ()))
        rows = ["| field | type | always | meaning |", "| --- | --- | --- | --- |"]
        for field, spec in schema.get("properties", {}).items():
            meaning = sentence(spec["description"]) if "description" in spec else ""
            always = "yes" if field in required else ""
            rows.append(f"| `{field}` | {type_of(spec)} | {always} | {meaning} |")
        yield f"### {name} {{#schema-{name.lower()}}}\n\n" + "\n".join(rows)
