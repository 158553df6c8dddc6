"""The independent verifier of whichever design a run used.

The adopted Pact's outcomes are re-derived by :mod:`solidarity.pact.verify`;
each other design has its own verifier module, ``solidarity.pact.verify_<name>``,
exporting ``verify(scenario, tables, population, gdp) -> list[str]``. Each
re-derives its design's rules from the inputs in its own code: it does not
import the design's law (``solidarity.pact.<name>``), nor the optimiser.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

import pandas as pd

from ..schema import Design

#: The verifier module of each design other than the Pact.
MODULES: dict[Design, str] = {d: f"solidarity.pact.verify_{d.module_name}" for d in Design if d.module_name}


def verify_run(scenario, population, gdp, tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """Every violation the scenario's design's verifier finds in ``tables`` (empty: verified)."""
    if scenario.design is Design.AMMR:
        from .verify import verify_outcomes
        return verify_outcomes(scenario, population, gdp, tables)
    mod = importlib.import_module(MODULES[scenario.design])
    return list(mod.verify(scenario, tables, population, gdp))
