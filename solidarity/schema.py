"""Names used everywhere: dimensions, columns, closed sets and country codes.

Every table the package produces is indexed or keyed by these names; they are
defined once here so that a column is never spelt two ways.
"""

from __future__ import annotations

from enum import StrEnum

# --- dimensions --------------------------------------------------------------
GEO = "geo"  #: Eurostat two-letter country code (``EL`` for Greece)
BENEFICIARY = "beneficiary"
TYPE = "type"
YEAR = "year"


class SolidarityType(StrEnum):
    """The three types of solidarity of equal value (Art 56(2) AMMR)."""

    RELOCATION = "relocation"
    FINANCIAL = "financial"
    ALTERNATIVE = "alternative"

    @property
    def unit(self) -> str:
        return "persons" if self is SolidarityType.RELOCATION else "EUR"

    @property
    def toml_key(self) -> str:
        """Key used for this type in scenario tables (unit in the name)."""
        return {"relocation": "relocations", "financial": "financial_eur",
                "alternative": "alternative_eur"}[self.value]


TYPES: tuple[SolidarityType, ...] = tuple(SolidarityType)


class Status(StrEnum):
    """A state's status for the cycle (Commission decision, Art 11; Art 59)."""

    NONE = "none"
    UNDER_PRESSURE = "under_pressure"
    AT_RISK = "at_risk"
    SIGNIFICANT_SITUATION = "significant_situation"


class Method(StrEnum):
    """Apportionment methods for whole-person fair shares (Balinski and Young, *Fair Representation*)."""

    HAMILTON = "hamilton"  #: largest remainder; default
    WEBSTER = "webster"  #: Sainte-Lague, divisor s + 1/2
    DHONDT = "dhondt"  #: Jefferson, divisor s + 1
    HUNTINGTON_HILL = "huntington_hill"  #: divisor sqrt(s (s + 1))
    CEILING = "ceiling"  #: each quota rounded up; total exceeds the house
    PER_STATE = "per-state"  #: each quota rounded half up on its own; total may differ from the house


class Design(StrEnum):
    """Which solidarity design a scenario runs (``[design] kind``): the adopted
    Pact, or one the EU tried or proposed before it."""

    AMMR = "ammr"  #: Regulation (EU) 2024/1351 (the Annual Solidarity Pool); default
    RELOCATION_2015 = "relocation-2015"  #: Council Decisions (EU) 2015/1523 and 2015/1601
    DUBLIN_IV = "dublin-iv"  #: COM(2016) 270, the corrective allocation mechanism (not adopted)
    PACT_2020 = "pact-2020"  #: COM(2020) 610 Part IV, with return sponsorship (not adopted as proposed)

    @property
    def module_name(self) -> str | None:
        """The stem of the design's modules: ``inputs/design_<stem>``, ``pact/<stem>``,
        ``pact/verify_<stem>``, ``designs/<stem>``, ``studies/explain_<stem>`` (None: the Pact's own)."""
        return {"ammr": None, "relocation-2015": "relocation2015", "dublin-iv": "dublin4",
                "pact-2020": "pact2020"}[self.value]

    @property
    def acts(self) -> str:
        """The design's acts, briefly (a page's heading names them)."""
        return {"ammr": "Regulation (EU) 2024/1351",
                "relocation-2015": "Council Decisions (EU) 2015/1523 and 2015/1601",
                "dublin-iv": "COM(2016) 270, proposal not adopted",
                "pact-2020": "COM(2020) 610, proposal not adopted"}[self.value]


class SolverName(StrEnum):
    HIGHS = "highs"  #: HiGHS through its own Python API, highspy (default)
    SCIPY = "scipy"  #: HiGHS through scipy.optimize.milp
    CBC = "cbc"  #: CBC bundled with PuLP
    PULP_HIGHS = "pulp-highs"  #: HiGHS through PuLP


class Units(StrEnum):
    """What a scenario's participants are (``[scenario] units``)."""

    COUNTRIES = "countries"  #: Eurostat country codes (default)
    SYNTHETIC = "synthetic"  #: synthetic units U00001, U00002, ... (solidarity synthetic)


#: A synthetic unit's code: U and five or more digits.
SYNTHETIC_CODE = r"U[0-9]{5,}"


class Priority(StrEnum):
    """Which comes first in the optimiser: a state's discretion (Art 56) or the needs ([param])."""

    PREFERENCES = "preferences"  #: a state's stated mix before beneficiaries' needs (default)
    NEEDS = "needs"  #: needs first: what meeting them would take


class FlowsMode(StrEnum):
    """How pooled contributions are split into contributor-beneficiary flows."""

    PROPORTIONAL = "proportional"  #: matrix apportionment with the calls and receipts as margins
    COMPACT = "compact"  #: few pairs (a basic solution), same totals


class Source(StrEnum):
    """Where a pledge comes from: a state has full discretion over its mix (Art 56)."""

    RECORDED = "recorded"  #: the Council act's pledge (``fixed``)
    STATED = "stated"  #: the state's own preference, floors or caps
    ASSUMED = "assumed"  #: nothing stated: the model chose


class SolveStatus(StrEnum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"  #: stopped (time limit) with an integer solution
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    NOT_SOLVED = "not_solved"  #: stopped without an integer solution
    UNKNOWN = "unknown"


#: Art 12(2): the Commission's proposal is at least these numbers.
MIN_RELOCATIONS = 30_000
MIN_FINANCIAL_EUR = 600_000_000
#: Recital 15 as applied in 2026: EUR per relocation when a pool states no
#: money (a relocation-only pool has no F / R to take it from).
DEFAULT_EQUIVALENCE_EUR = 20_000

# --- columns -----------------------------------------------------------------
COUNTRY = "country"
POPULATION = "population"
GDP = "gdp_meur"
UNIT = "unit"
VALUE = "value"
VALUE_EUR = "value_eur"

# --- countries ---------------------------------------------------------------
EU27: dict[str, str] = {
    "BE": "Belgium", "BG": "Bulgaria", "CZ": "Czechia", "DK": "Denmark",
    "DE": "Germany", "EE": "Estonia", "IE": "Ireland", "EL": "Greece",
    "ES": "Spain", "FR": "France", "HR": "Croatia", "IT": "Italy",
    "CY": "Cyprus", "LV": "Latvia", "LT": "Lithuania", "LU": "Luxembourg",
    "HU": "Hungary", "MT": "Malta", "NL": "Netherlands", "AT": "Austria",
    "PL": "Poland", "PT": "Portugal", "RO": "Romania", "SI": "Slovenia",
    "SK": "Slovakia", "FI": "Finland", "SE": "Sweden",
}
#: Default participants: the EU-27 minus Denmark (Protocol 22 opt-out).
DEFAULT_PARTICIPANTS: tuple[str, ...] = tuple(sorted(c for c in EU27 if c != "DK"))
#: Codes a scenario may name: EU-27 plus the Dublin associated states.
KNOWN_CODES: dict[str, str] = {**EU27, "CH": "Switzerland", "IS": "Iceland",
                               "NO": "Norway", "LI": "Liechtenstein"}


class FrozenDict(dict):
    """A read-only dict that pickles (unlike ``types.MappingProxyType``), so
    that scenarios and results can travel to worker processes."""

    def _readonly(self, *args, **kwargs):
        raise TypeError("this mapping is read-only")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _readonly  # type: ignore[assignment]
    __ior__ = _readonly  # type: ignore[assignment]

    def __reduce__(self):
        return (FrozenDict, (dict(self),))

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items(), key=repr)))
