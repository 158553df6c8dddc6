"""A JSON Schema for scenario files, generated from the key registry.

Editors that read JSON Schema for TOML (VS Code's Even Better TOML, Taplo,
JetBrains IDEs) then complete keys, show each key's meaning and flag a wrong
type, an unknown key or an out-of-range value while the file is typed.
:func:`scenario_schema` builds it from :data:`~solidarity.inputs.scenario_keys.KEYS`
and :data:`~solidarity.inputs.scenario_keys.SECTIONS`, so it cannot drift from
the validator (a test holds the registry to the validator, and the schema to
every bundled scenario and the test corpus).

What a schema cannot say is left to the validator, which stays the judge:
rules across keys (weights adding up to 1, a beneficiary that is not a
participant, a pledge table beside a mix), values a comparison does not reach
(NaN), and codes valid only for synthetic units. The schema allows the
country codes and the synthetic units' codes wherever a code is a key.
"""

from __future__ import annotations

import re
from typing import Any

from ..schema import KNOWN_CODES, SYNTHETIC_CODE, Design
from .scenario import MAX_AMOUNT, MAX_TIME_LIMIT
from .scenario_keys import KEYS, SECTIONS, Key

#: The draft the schema follows (the one editors support best today).
DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "https://solidarity.invalid/scenario.schema.json"

_CODE = "^(" + "|".join(sorted(KNOWN_CODES)) + "|" + SYNTHETIC_CODE + ")$"
_RANGE = re.compile(r"(\d+) to (\d+)")
_ENUM = re.compile(r'"([^"]+)"')
#: Keys required where their table is given (the validator's "required").
_REQUIRED = {"": ["scenario", "pool"], "scenario": ["name", "year"], "pool": ["relocations", "financial_eur"],
             "crisis": ["state", "relocations"]}


def _leaf(key: Key) -> dict[str, Any]:
    """The schema of one key's value, read from its registry entry."""
    doc = key.doc[0].upper() + key.doc[1:].rstrip(".")
    out: dict[str, Any] = {"description": f"{doc}. Allowed: {key.allowed}. Default: {key.default}."}
    if key.type == "whole number":
        out["type"] = "integer"
        found = _RANGE.fullmatch(key.allowed)
        if found:
            out["minimum"], out["maximum"] = int(found[1]), int(found[2])
        else:
            out["minimum"] = 1 if "at least 1" in key.allowed else 0
            out["maximum"] = MAX_AMOUNT
    elif key.type == "number":
        out["type"] = "number"
        if key.path == "solver.time_limit":
            out["exclusiveMinimum"], out["maximum"] = 0, MAX_TIME_LIMIT
        elif key.path == "data.max_year_change":
            out["anyOf"] = [{"const": 0}, {"minimum": 1}]
        else:
            out["minimum"], out["maximum"] = 0, 1
    elif key.type == "boolean":
        out["type"] = "boolean"
    elif key.type == "string":
        out["type"] = "string"
        values = _ENUM.findall(key.allowed)
        if key.allowed.startswith('"') and values:
            out["enum"] = values
        elif key.path == "crisis.state":
            out["pattern"] = _CODE
    elif key.type == "array of codes":
        out.update(type="array", minItems=1, uniqueItems=True, items={"type": "string", "pattern": _CODE})
    elif key.type == "table":
        out.update(type="object")
        if key.path.endswith("_filters"):
            out["additionalProperties"] = {"type": "string"}
    return out


def _table(description: str) -> dict[str, Any]:
    return {"type": "object", "description": description, "properties": {}, "additionalProperties": False}


def _node(root: dict, parts: list[str]) -> dict:
    """The object schema at ``parts`` (``CODE`` stands for any code), made as needed."""
    node = root
    for part in parts:
        if part == "CODE":
            node.setdefault("propertyNames", {"pattern": _CODE})
            if not isinstance(node.get("additionalProperties"), dict):
                node["additionalProperties"] = _table("")
            node = node["additionalProperties"]
        else:
            node = node["properties"].setdefault(part, _table(""))
    return node


def _design_of(path: str) -> str | None:
    """The design a key path belongs to (``design.<kind>.<key>`` in the reference), else None."""
    parts = path.split(".")
    if parts[0] == "design" and len(parts) > 2 and parts[1] in {d.value for d in Design}:
        return parts[1]
    return None


def _add(root: dict, parts: list[str], key: Key) -> None:
    """Key ``key`` at ``parts`` below ``root``."""
    parent = _node(root, parts[:-1])
    leaf = _leaf(key)
    if parts[-1] == "CODE":
        parent["propertyNames"] = {"pattern": _CODE}
        parent["additionalProperties"] = leaf
    elif leaf.get("type") == "object":  # a table: its keys come as keys of their own
        table = _node(root, parts)
        table["description"] = leaf["description"]
        if "additionalProperties" in leaf:  # Eurostat filters: any dimension, a code each
            table["additionalProperties"] = leaf["additionalProperties"]
    else:
        parent["properties"][parts[-1]] = {**parent["properties"].get(parts[-1], {}), **leaf}


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file's TOML data.

    A design's keys share the ``[design]`` table with ``kind``: each design's
    are a branch ``if kind is X then ...``, and a key no branch knows is
    refused (``unevaluatedProperties``), as the validator refuses it.

    Returns
    -------
    dict
        JSON-ready: ``json.dumps(scenario_schema(), indent=2)``.
    """
    root = {"$schema": DRAFT, "$id": SCHEMA_ID, "title": "solidarity scenario",
            **_table("A solidarity scenario file (TOML): the EU Annual Solidarity Pool, "
                     "Regulation (EU) 2024/1351.")}
    branches: dict[str, dict] = {}
    for section in SECTIONS:
        d = _design_of(section.path)
        if d is not None:
            parts = section.path.split(".")[2:]
            _node(branches.setdefault(d, _table("")), parts)["description"] = section.doc
        elif section.path and not section.path.startswith("variants"):
            _node(root, section.path.split("."))["description"] = section.doc
    for key in KEYS:
        d = _design_of(key.path)
        if d is not None:
            _add(branches.setdefault(d, _table("")), key.path.split(".")[2:], key)
        else:
            _add(root, key.path.split("."), key)
    for path, names in _REQUIRED.items():
        (_node(root, path.split(".")) if path else root)["required"] = names
    design = root["properties"]["design"]
    design.pop("additionalProperties", None)
    design["unevaluatedProperties"] = False
    design["allOf"] = [{"if": {"properties": {"kind": {"const": d}}, "required": ["kind"]},
                        "then": {"properties": b["properties"],
                                 **({"description": b["description"]} if b.get("description") else {})}}
                       for d, b in branches.items()]
    variants = next(s for s in SECTIONS if s.path == "variants.NAME")
    root["properties"]["variants"] = {
        "type": "object", "description": "Named variants, applied with --variant NAME.",
        "additionalProperties": {"type": "object", "description": variants.doc}}
    return root


__all__ = ["scenario_schema", "DRAFT"]
