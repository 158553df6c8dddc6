"""solidarity: the EU Annual Solidarity Pool, computed exactly and explained.

Public API::

    import solidarity
    scenario = solidarity.load_scenario("scenarios/2026-adopted.toml")
    result = solidarity.run(scenario)
    result.tables["pledges"]

Each pipeline stage is usable alone: :mod:`solidarity.data`,
:mod:`solidarity.key`, :mod:`solidarity.apportionment`,
:mod:`solidarity.scenario`, :mod:`solidarity.model`, :mod:`solidarity.solve`,
:mod:`solidarity.verify`, :mod:`solidarity.report`.
"""

__version__ = "0.1.0"

from .apportionment import apportion, check  # noqa: E402
from .errors import InputError, SolidarityError, SolveError, VerificationError  # noqa: E402
from .pipeline import Result, run  # noqa: E402
from .scenario import Scenario, load_scenario, parse_scenario  # noqa: E402

__all__ = ["apportion", "check", "load_scenario", "parse_scenario", "run", "Result", "Scenario",
           "SolidarityError", "InputError", "SolveError", "VerificationError", "__version__"]
