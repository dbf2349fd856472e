"""Read the official docs snapshot: the OpenAPI / AsyncAPI fragments embedded in its pages,
their `example` payloads, and instances built from their schemas.

Used by test_parse_docs_examples.py. YAML is loaded with YAML 1.2 booleans only, so an
unquoted `yes:` / `no:` key or enum value stays a string (PyYAML's YAML 1.1 default would
turn it into True / False).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.shared_data import SHARED

SNAPSHOT = SHARED / "kalshi/docs_snapshot_2026-08-22"
REFERENCE = SHARED / "reference/kalshi-api.md"

EXAMPLE_TIME = "2026-06-01T09:30:49.292343Z"


class Yaml12Loader(yaml.SafeLoader):
    """SafeLoader whose booleans are only true/false (YAML 1.2 core schema)."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass(frozen=True)
class Fragment:
    page: str  # path relative to the snapshot
    header: str  # e.g. "/openapi.yaml get /markets/trades"
    doc: dict[str, Any]


def fragments() -> list[Fragment]:
    """Every ````yaml block of every page except the changelog."""
    found = []
    for page in sorted(SNAPSHOT.rglob("*.md")):
        if page.parts[-2] == "changelog":
            continue
        text = page.read_text()
        for match in re.finditer(r"^````yaml([^\n]*)\n(.*?)^````", text, re.S | re.M):
            doc = yaml.load(match.group(2), Loader=Yaml12Loader)  # a SafeLoader subclass
            found.append(Fragment(str(page.relative_to(SNAPSHOT)), match.group(1).strip(), doc))
    return found


def json_blocks(page: Path) -> list[str]:
    """The bodies of the ```json blocks of a markdown page."""
    return re.findall(r"^\s*```json[^\n]*\n(.*?)^\s*```", page.read_text(), re.S | re.M)


def json_documents(text: str) -> Iterator[Any]:
    """Successive JSON values in `text` (a block may hold several, one per line or not)."""
    decoder = json.JSONDecoder()
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return
        value, pos = decoder.raw_decode(text, pos)
        yield value


# --------------------------------------------------------------------------- OpenAPI


def operation(fragment: Fragment) -> tuple[str, str, dict[str, Any]]:
    """(method, path, operation object) of an api-reference page's fragment."""
    ((path, item),) = fragment.doc["paths"].items()
    ((method, op),) = ((m, o) for m, o in item.items() if m in ("get", "post", "put", "delete"))
    return method, path, op


def response_schema(fragment: Fragment, status: str = "200") -> dict[str, Any] | None:
    _, _, op = operation(fragment)
    response = op["responses"].get(status)
    if response is None:
        return None
    response = resolve(fragment.doc, response)
    content = response.get("content", {}).get("application/json")
    return None if content is None else content["schema"]  # type: ignore[no-any-return]


def resolve(doc: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


class InstanceBuilder:
    """Build a JSON instance of a schema, preferring the spec's own `example` values.

    `full=True` fills every property; `full=False` only the required ones. Strings with no
    example get a value from their format or field-name convention (`*_dollars` is a dollar
    string, `*_fp` a count, `*_ts`/`*_time` a time), otherwise "example".
    """

    def __init__(self, doc: dict[str, Any], *, full: bool) -> None:
        self.doc = doc
        self.full = full

    def build(self, schema: Any, name: str = "", depth: int = 0) -> Any:
        schema = resolve(self.doc, schema)
        if depth > 12:
            return None
        for combinator in ("allOf", "oneOf", "anyOf"):
            if combinator in schema:
                return self.build(self._combined(schema, combinator), name, depth)
        for key in ("const", "example"):
            if key in schema:
                return schema[key]
        if schema.get("examples"):
            return schema["examples"][0]
        if "enum" in schema:
            return schema["enum"][0]
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next(k for k in kind if k != "null")
        if kind == "object" or "properties" in schema:
            required = set(schema.get("required", ()))
            return {
                key: self.build(sub, key, depth + 1)
                for key, sub in schema.get("properties", {}).items()
                if self.full or key in required
            }
        if kind == "array":
            return self._array(schema, name, depth)
        return self._scalar(schema, kind, name)

    def _combined(self, schema: dict[str, Any], combinator: str) -> dict[str, Any]:
        """allOf merges its parts; oneOf/anyOf take the first part that is not null."""
        parts = [resolve(self.doc, p) for p in schema[combinator]]
        if combinator == "allOf":
            merged: dict[str, Any] = {}
            for part in parts:
                merged = _merge(merged, part)
            return {**merged, **_without(schema, combinator)}
        chosen = next((p for p in parts if p.get("type") != "null"), parts[0])
        return {**chosen, **_without(schema, combinator)}

    def _array(self, schema: dict[str, Any], name: str, depth: int) -> list[Any]:
        item = schema.get("items", {})
        if isinstance(item, list):  # tuple form
            return [self.build(i, name, depth + 1) for i in item]
        if schema.get("minItems") == 2 and resolve(self.doc, item).get("type") == "string":
            return ["0.5600", "10.00"]  # a price level: [dollars, fp count]
        return [self.build(item, name, depth + 1)]

    def _scalar(self, schema: dict[str, Any], kind: Any, name: str) -> Any:
        if kind == "integer":
            return int(schema.get("minimum", 1)) or 1
        if kind == "number":
            return schema.get("minimum", 1)
        if kind == "boolean":
            return True
        return self._string(schema, name)

    @staticmethod
    def _string(schema: dict[str, Any], name: str) -> str:
        described = str(schema.get("description", "")).lower()
        if schema.get("format") == "date-time" or name.endswith(("_time", "_ts", "_datetime")):
            return EXAMPLE_TIME
        if name.endswith("_dollars") or name in ("start", "end", "step") or "dollars" in described:
            return "0.5600"
        if name.endswith("_fp") or "contract count" in described:
            return "10.00"
        return "example"


def _without(schema: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k != key}


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    merged = {**a, **b}
    merged["properties"] = {**a.get("properties", {}), **b.get("properties", {})}
    merged["required"] = [*a.get("required", ()), *b.get("required", ())]
    return merged


# --------------------------------------------------------------------------- AsyncAPI


def message_examples(fragment: Fragment) -> Iterator[tuple[str, str]]:
    """(message id, example text) of every AsyncAPI message carrying an example."""
    yield from _walk_messages(fragment.doc)


def message_schemas(fragment: Fragment) -> Iterator[tuple[str, dict[str, Any]]]:
    """(message id, jsonPayloadSchema) of every AsyncAPI message."""
    seen: set[str] = set()
    for node in _nodes(fragment.doc):
        schema = node.get("jsonPayloadSchema")
        if isinstance(schema, dict) and node.get("id") not in seen:
            seen.add(node["id"])
            yield node["id"], schema


def _walk_messages(doc: Any) -> Iterator[tuple[str, str]]:
    seen: set[tuple[str, str]] = set()
    for node in _nodes(doc):
        example = node.get("example")
        if isinstance(example, str) and "id" in node and (node["id"], example) not in seen:
            seen.add((node["id"], example))
            yield node["id"], example


def _nodes(doc: Any) -> Iterator[dict[str, Any]]:
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            yield node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
