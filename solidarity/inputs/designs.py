"""Which design a scenario runs, and where each design's own keys are read.

A scenario may hold a ``[design]`` table: ``kind`` names the design (one of
:class:`~solidarity.schema.Design`; default the adopted Pact, ``ammr``); every
other key of that table belongs to the design and is validated by the design's
own module, ``solidarity.inputs.design_<name>``, which exports

``parse(c, table, ctx)``
    read the ``[design]`` table (without ``kind``) with the scenario's checker
    ``c`` (:class:`~solidarity.inputs.scenario._Checker`: ``c.table``,
    ``c.integer``, ``c.number``, ``c.add`` ... so that problems are reported
    like every other key's, all at once); ``ctx`` is a :class:`DesignContext`.
    Returns the design's frozen settings, or None when a problem was recorded.
``KEYS``
    the keys it accepts, as ``(path, type, allowed, default, doc)`` with
    ``path`` below ``design.`` (the scenario file reference is generated
    from them).

The other tables keep their meaning where a design uses them: ``participants``
(the states bound), ``[data]`` (population and GDP), ``[pool] relocations``
(the volume) and ``[beneficiaries.CODE.needs]`` (each beneficiary's volume).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from ..schema import Design

#: The module holding each design's keys (the adopted Pact's are the scenario's own).
MODULES: dict[Design, str] = {d: f"solidarity.inputs.design_{d.module_name}" for d in Design if d.module_name}

#: Earliest cycle year a scenario of each design may give (the acts' years).
FIRST_YEAR: dict[Design, int] = {
    Design.AMMR: 2024, Design.RELOCATION_2015: 2015, Design.DUBLIN_IV: 2008, Design.PACT_2020: 2015,
}


@dataclass(frozen=True)
class DesignContext:
    """What a design's parser may check its keys against (already validated)."""

    file: str
    year: int
    participants: tuple[str, ...]
    beneficiaries: tuple[str, ...]
    relocations: int | None  #: the pool's relocations (None: the pool had a problem)


def module(design: Design) -> ModuleType | None:
    """The design's key module (None for the adopted Pact, or while a design is not built)."""
    name = MODULES.get(design)
    if name is None:
        return None
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return None


def parse(c, table: Mapping[str, Any], design: Design, ctx: DesignContext) -> Any:
    """The design's settings from ``table`` (``[design]`` without ``kind``)."""
    mod = module(design)
    if mod is None:
        if table:
            c.table(dict(table), "design", set())
        if design is not Design.AMMR:
            c.add("design.kind", design.value, "this design is not available in this version",
                  ", ".join(f'"{d.value}"' for d in Design if d is Design.AMMR or module(d) is not None))
        return None
    return mod.parse(c, dict(table), ctx)


def sections(design: Design) -> tuple[tuple[str, str], ...]:
    """The design's own sub-tables below ``design.`` as ``(name, doc)`` (its
    module's optional ``SECTIONS``), so their keys have a documented table."""
    mod = module(design)
    return tuple(getattr(mod, "SECTIONS", ())) if mod is not None else ()


def keys(design: Design) -> tuple[tuple[str, str, str, str, str], ...]:
    """The documented keys of a design (below ``design.``)."""
    mod = module(design)
    return tuple(getattr(mod, "KEYS", ())) if mod is not None else ()
