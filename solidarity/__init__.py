"""solidarity: the EU Annual Solidarity Pool, computed exactly and explained.

Public API::

    import solidarity
    scenario = solidarity.load_scenario("scenarios/2026-adopted.toml")
    result = solidarity.run(scenario)
    result.tables["shares"].loc["DE"]
    solidarity.explain(result, "DE").text()

A scenario of another design (``[design] kind``) gives a ``DesignResult``
(:mod:`solidarity.designs`), explained and compared the same way.

Each pipeline stage is usable alone: :mod:`solidarity.inputs.data`,
:mod:`solidarity.pact.key`, :mod:`solidarity.pact.apportionment`,
:mod:`solidarity.inputs.scenario`, :mod:`solidarity.optimise.model`, :mod:`solidarity.optimise.solve`,
:mod:`solidarity.optimise.allocate`, :mod:`solidarity.pact.rules`, :mod:`solidarity.pact.verify`,
:mod:`solidarity.outputs.report`.

Names are imported on first use, so that ``import solidarity`` (and the
command line's ``--help``) does not load the solver stack.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.2.0"

_LAZY = {
    "apportion": "pact.apportionment", "check": "pact.apportionment",
    "load_scenario": "inputs.scenario", "parse_scenario": "inputs.scenario", "Scenario": "inputs.scenario",
    "run": "pipeline", "run_pact": "pipeline", "Result": "pipeline", "DesignResult": "designs",
    "explain": "studies.explain", "compare": "studies.compare",
    "SolidarityError": "errors", "InputError": "errors", "SolveError": "errors",
    "VerificationError": "errors", "ConflictError": "errors", "OutputError": "errors",
    "LimitError": "errors", "ExitCode": "errors",
}

__all__ = [*_LAZY, "__version__"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'solidarity' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
