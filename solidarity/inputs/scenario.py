"""Stage 0: scenario files (TOML), validated once into frozen objects.

A scenario goes through two steps: :mod:`solidarity.inputs.document` reads the file
to a plain document and applies overrides (``--set``, ``--variant``); this
module validates that effective document and freezes it. Validation collects
every problem before raising, so a user fixes a file in one pass; each
problem names the file (or ``--set``), the key path, the bad value and what
is allowed. No arithmetic happens here.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..errors import MISSING, InputError, Problem
from ..schema import (
    DEFAULT_EQUIVALENCE_EUR,
    DEFAULT_PARTICIPANTS,
    EU27,
    GDP,
    KNOWN_CODES,
    MIN_FINANCIAL_EUR,
    MIN_RELOCATIONS,
    POPULATION,
    SYNTHETIC_CODE,
    TYPES,
    Design,
    FlowsMode,
    FrozenDict,
    Method,
    Priority,
    SolidarityType,
    SolverName,
    Source,
    Status,
    Units,
)
from . import designs

#: Largest amount a scenario may give, in EUR or persons. Every objective the
#: optimiser builds is a sum of such amounts with weights of at most 3, so it
#: stays below 2**53, where float64 still holds every whole number exactly.
MAX_AMOUNT = 10**15
#: Longest solver time limit, in seconds (a year); leave it out for no limit.
MAX_TIME_LIMIT = 365 * 24 * 3600


@dataclass(frozen=True)
class Amounts:
    """One optional whole amount per solidarity type (persons or EUR)."""

    relocation: int | None = None
    financial: int | None = None
    alternative: int | None = None

    def get(self, t: SolidarityType) -> int | None:
        return getattr(self, t.value)

    def given(self) -> bool:
        return any(self.get(t) is not None for t in TYPES)


@dataclass(frozen=True)
class StateSettings:
    """What a scenario says about one participant."""

    geo: str
    status: Status = Status.NONE
    deduction: Fraction = Fraction(0)
    #: True when the deduction was not in the scenario but is the default for
    #: a benefitting state (Art 60(3): full deduction).
    deduction_default: bool = False
    fixed: Amounts | None = None  #: None: not fixed; missing types are 0
    minimum: Amounts = Amounts()
    maximum: Amounts = Amounts()
    preferred: Amounts = Amounts()
    mix: Mapping[SolidarityType, Fraction] | None = None
    note: str = ""
    implemented: Fraction = Fraction(1)  #: share of non-financial pledges implemented (Art 60(3))
    credit_eur: int = 0  #: crisis credit usable this cycle (CR Art 9), EUR
    carried_relocations: int = 0  #: relocation pledges left unimplemented from earlier cycles
    #: EUR of the money pledge earmarked for actions in or in relation to third
    #: countries (AMMR Art 56(2)(b), Art 64): counted in the fair share, not
    #: distributed to the benefitting states. For a state without a recorded
    #: pledge it is also the floor of its money (``minimum.financial``).
    third_country_eur: int = 0

    @property
    def recorded(self) -> bool:
        return self.fixed is not None

    @property
    def states_preference(self) -> bool:
        """True when the state gave a mix or preferred amounts."""
        return self.mix is not None or self.preferred.given()

    def source(self, t: SolidarityType) -> Source:
        """Where the pledge of type ``t`` comes from (recorded, stated or assumed)."""
        if self.fixed is not None:
            return Source.RECORDED
        if self.states_preference or self.minimum.get(t) is not None or self.maximum.get(t) is not None:
            return Source.STATED
        return Source.ASSUMED


@dataclass(frozen=True)
class BeneficiarySettings:
    """A benefitting state and its needs by type."""

    geo: str
    needs: Amounts
    sar: bool = False
    note: str = ""


@dataclass(frozen=True)
class DataSelection:
    population_year: int | None = None
    gdp_year: int | None = None
    population_file: str | None = None
    gdp_file: str | None = None
    population_vintage: str | None = None
    gdp_vintage: str | None = None
    population_filters: Mapping[str, str] = field(default_factory=FrozenDict)
    gdp_filters: Mapping[str, str] = field(default_factory=FrozenDict)
    #: see :data:`solidarity.inputs.data.MAX_YEAR_CHANGE`; 0 accepts any change
    max_year_change: float = 2.0


def _half_weights() -> Mapping[str, Fraction]:
    return FrozenDict({POPULATION: Fraction(1, 2), GDP: Fraction(1, 2)})


@dataclass(frozen=True)
class KeySettings:
    weights: Mapping[str, Fraction] = field(default_factory=_half_weights)
    method: Method = Method.HAMILTON


@dataclass(frozen=True)
class PoolSettings:
    """The adopted pool (Art 57(1)) and the Commission's proposal (Art 12)."""

    relocations: int
    financial_eur: int
    equivalence_eur: int | None = None  #: None: F / R (recital 15 [param])
    sar_share: Fraction = Fraction(0)
    redistribute_deductions: bool = False  #: [param] Art 61-62: default, the pool shrinks
    proposal_relocations: int | None = None  #: None: not given (the Art 12(2) minimum is assumed)
    proposal_financial_eur: int | None = None

    @property
    def rate(self) -> int:
        """EUR per relocation: ``equivalence_eur``, else F / R in whole euros
        (halves up), else EUR 20 000 for a pool without money."""
        if self.equivalence_eur is not None:
            return self.equivalence_eur
        if self.relocations == 0 or self.financial_eur == 0:
            return DEFAULT_EQUIVALENCE_EUR
        return math.floor(Fraction(self.financial_eur, self.relocations) + Fraction(1, 2))

    @property
    def value_eur(self) -> int:
        """The pool in EUR: F, or R x e for a pool stated in relocations only."""
        return self.financial_eur if self.financial_eur > 0 else self.rate * self.relocations

    @property
    def proposal(self) -> tuple[int, int]:
        """(relocations, EUR) of the Commission proposal; where the scenario
        does not give them, the Art 12(2) minimum (30 000, EUR 600 000 000),
        flagged as assumed. Not the adopted pool: Art 63(1) refers to the
        proposal, and the Council may adopt less (2026: 21 000 of 30 000)."""
        r = self.proposal_relocations if self.proposal_relocations is not None else MIN_RELOCATIONS
        f = self.proposal_financial_eur if self.proposal_financial_eur is not None else MIN_FINANCIAL_EUR
        return r, f

    @property
    def proposal_assumed(self) -> tuple[str, ...]:
        """The proposal's numbers the scenario leaves out (and the Art 12(2)
        minimum stands in for): ``relocations``, ``financial_eur``."""
        return tuple(name for name, v in (("relocations", self.proposal_relocations),
                                          ("financial_eur", self.proposal_financial_eur)) if v is None)

    @property
    def proposal_below_minimum(self) -> bool:
        """Art 12(2): a proposal below 30 000 / EUR 600 million is flagged."""
        r, f = self.proposal
        return r < MIN_RELOCATIONS or f < MIN_FINANCIAL_EUR


@dataclass(frozen=True)
class AllocationSettings:
    """How the optimiser orders its objectives and how flows are split."""

    priority: Priority = Priority.PREFERENCES
    flows: FlowsMode = FlowsMode.PROPORTIONAL


@dataclass(frozen=True)
class OffsetSettings:
    """Art 63 thresholds ([param]: the wording of Art 63(3) is only partly verified)."""

    voluntary_share: Fraction = Fraction(1, 2)  #: Art 63(1), of the proposal's relocations
    state_share: Fraction = Fraction(1, 2)  #: Art 63(2)(b), of a state's fair share
    needs_share: Fraction = Fraction(3, 5)  #: Art 63(3)(a), of the identified needs
    identified_needs: int | None = None  #: None: beneficiaries' relocation needs
    reference_relocations: int | None = None  #: Art 63(3)(b); None: the adopted pool's R


@dataclass(frozen=True)
class CrisisSettings:
    """A Solidarity Response Plan (CR Art 4, 8, 9)."""

    state: str
    relocations: int
    additional: Mapping[str, int] = field(default_factory=FrozenDict)
    credit_years: int = 5


@dataclass(frozen=True)
class SolverSettings:
    name: SolverName = SolverName.HIGHS
    time_limit: float | None = None
    mip_gap: float = 0.0


@dataclass(frozen=True)
class Scenario:
    """A validated, immutable scenario. Build with :func:`load_scenario`.

    ``digest`` is the SHA-256 of the effective document (after overrides);
    ``document`` is that document, ``overrides`` the log of what changed it.
    """

    name: str
    year: int
    pool: PoolSettings
    description: str = ""
    units: Units = Units.COUNTRIES
    participants: tuple[str, ...] = DEFAULT_PARTICIPANTS
    data: DataSelection = DataSelection()
    key: KeySettings = KeySettings()
    states: Mapping[str, StateSettings] = field(default_factory=FrozenDict)
    beneficiaries: Mapping[str, BeneficiarySettings] = field(default_factory=FrozenDict)
    allocation: AllocationSettings = AllocationSettings()
    solver: SolverSettings = SolverSettings()
    offsets: OffsetSettings = OffsetSettings()
    crisis: CrisisSettings | None = None
    path: str = "<memory>"
    digest: str = ""
    document: Mapping[str, Any] = field(default_factory=FrozenDict, repr=False, compare=False)
    overrides: tuple[str, ...] = ()
    #: The document as read, before overrides, and the overrides asked for
    #: (a multi-year cycle sets carried values first, then re-applies them).
    source: Any = field(default=None, repr=False, compare=False)
    #: The effective document this scenario was validated from (what ran).
    effective: Any = field(default=None, repr=False, compare=False)
    sets: tuple[str, ...] = ()
    variant: str | None = None
    #: Which design runs (``[design] kind``) and its own settings, read by
    #: the design's module (None for the adopted Pact): see
    #: :mod:`solidarity.inputs.designs`.
    design: Design = Design.AMMR
    design_settings: Any = None

    def state(self, geo: str) -> StateSettings:
        return self.states.get(geo) or StateSettings(geo=geo)

    def __repr__(self) -> str:
        return (f"Scenario({self.name!r}, year={self.year}, {len(self.participants)} participants, "
                f"{len(self.beneficiaries)} beneficiaries, pool {self.pool.relocations} relocations"
                f" / EUR {self.pool.financial_eur}, digest {self.digest[:12]})")


# --- validation --------------------------------------------------------------

_TOP = {"scenario", "participants", "data", "key", "pool", "states", "beneficiaries", "solver",
        "offsets", "crisis", "allocation", "design"}
_OFFSETS = {"voluntary_share", "state_share", "needs_share", "identified_needs",
            "reference_relocations"}
#: Keys that existed before and what replaced them: reported, never ignored.
_MOVED = {
    "offsets.proposal_relocations": "pool.proposal_relocations (the Commission proposal's number, "
                                    "which Art 63(1) refers to)",
    "offsets.minimum_relocations": "offsets.reference_relocations (Art 63(3)(b); default: the "
                                   "adopted pool's relocations)",
}
_CRISIS = {"state", "relocations", "additional", "credit_years"}
_SCENARIO = {"name", "year", "description", "units"}
_DATA = {"population_year", "gdp_year", "population_file", "gdp_file", "population_vintage",
         "gdp_vintage", "population_filters", "gdp_filters", "max_year_change"}
_KEY = {"population_weight", "gdp_weight", "method"}
_POOL = {"relocations", "financial_eur", "equivalence_eur", "sar_share", "redistribute_deductions",
         "proposal_relocations", "proposal_financial_eur"}
_ALLOCATION = {"priority", "flows"}
_STATE = {"status", "deduction", "fixed", "min", "max", "preferred", "mix", "note", "implemented",
          "credit_eur", "carried_relocations", "third_country_eur"}
_BENEF = {"needs", "sar", "note"}
_SOLVER = {"name", "time_limit", "mip_gap"}
_AMOUNT_KEYS = {t.toml_key: t for t in TYPES}
_PERSONS, _EUROS = "whole persons", "whole euros"
_MIX_KEYS = {t.value: t for t in TYPES}


def _choices(values) -> str:
    return ", ".join(str(v) for v in values)


def _near(word: Any, options) -> str:
    """`` (did you mean 'x'?)`` naming the closest option, ignoring case."""
    by_lower = {str(o).lower(): str(o) for o in options}
    near = difflib.get_close_matches(str(word).lower(), list(by_lower), n=1, cutoff=0.6)
    return f" (did you mean '{by_lower[near[0]]}'?)" if near else ""


def _n(x: int) -> str:
    """A whole number as a scenario file may spell it: 1_000_000 from a million on."""
    return f"{x:_}" if abs(x) >= 1_000_000 else str(x)


#: Longest value text shown in a message; longer values are cut.
_SHOWN_MAX = 80


class _Shown:
    """A bad value as TOML text, for messages: ``true``, ``2026-01-01``,
    ``{relocations = 0}``; strings keep Python's quotes, as everywhere in the
    package; numbers of 30 digits or more are cut to their first digits."""

    __slots__ = ("text",)

    def __init__(self, value: Any):
        text = _toml(value)
        self.text = text if len(text) <= _SHOWN_MAX else text[:_SHOWN_MAX - 3] + "..."

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Shown) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __getstate__(self):
        return self.text

    def __setstate__(self, text):
        self.text = text


def _toml(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        try:
            digits = str(v)
        except ValueError:  # beyond Python's limit on digits for str(int)
            return f"a whole number of about {int(v.bit_length() * 0.30103)} digits"
        n = len(digits.lstrip("-"))
        return digits if n < 30 else f"{digits[:13]}... ({n} digits)"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k if _BARE.fullmatch(k) else repr(k)} = {_toml(x)}"
                               for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml(x) for x in v) + "]"
    if isinstance(v, (_dt.date, _dt.time)):
        return v.isoformat()
    return repr(v)  # floats (nan, inf, 1e+300) and strings ('text')


_BARE = re.compile(r"[A-Za-z0-9_-]+")
_NUMBER_TEXT = re.compile(r"\s*[+-]?(\d[\d_ ,]*(\.\d*)?([eE][+-]?\d+)?|nan|inf)\s*", re.IGNORECASE)


def _kind(v: Any) -> str:
    """The TOML type of a value, in words."""
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, int):
        return "a whole number"
    if isinstance(v, float):
        return "a decimal number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, dict):
        return "a table"
    if isinstance(v, list):
        return "an array"
    if isinstance(v, _dt.datetime):
        return "a date-time"
    if isinstance(v, _dt.date):
        return "a date"
    if isinstance(v, _dt.time):
        return "a time of day"
    return type(v).__name__


def _wrong(v: Any, expected: str = "") -> str:
    """``wrong type: a string (write numbers without quotes)``."""
    hint = ""
    if isinstance(v, str) and expected == "number" and _NUMBER_TEXT.fullmatch(v):
        hint = " (write numbers without quotes)"
    elif isinstance(v, str) and expected == "boolean" and v.strip().lower() in ("true", "false"):
        hint = " (write true or false without quotes)"
    elif isinstance(v, dict) and expected:
        hint = " (a [header] or {...} where a single value belongs)"
    return f"wrong type: {_kind(v)}{hint}"


def _below(lo: int) -> str:
    return "negative" if lo == 0 else f"too small: the smallest allowed is {_n(lo)}"


def _above(hi: int) -> str:
    return f"too large: the largest allowed is {_n(hi)}"


def _not_finite(v: float) -> str:
    return "not a number" if math.isnan(v) else "infinite"


#: Country names (lower case) to their codes, for a "did you mean".
_NAMES = {name.lower(): code for code, name in KNOWN_CODES.items()}


def _sub(path: str, key: Any) -> str:
    """``path.key``, with the key quoted when it is not a bare TOML key."""
    k = str(key)
    k = k if _BARE.fullmatch(k) else '"' + k.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{path}.{k}" if path else k


class _Checker:
    """Collects problems while reading a plain document."""

    def __init__(self, file: str, document=None):
        self.file = file
        self.document = document
        self.problems: list[Problem] = []
        #: (key path, value) of every number of persons read, checked against
        #: the pool's rate once it is known (see :func:`_persons_value`)
        self.persons: list[tuple[str, int | float]] = []
        #: ``[scenario] units = "synthetic"``: codes are U00001, ... (not Eurostat's)
        self.synthetic = False

    def where(self, path: str) -> str:
        """The file, or ``--set`` / a variant when an override set this path."""
        if self.document is None:
            return self.file
        from .document import origin_of
        return origin_of(self.document, path)

    def add(self, key: str, value: Any, message: str, allowed: str = "",
            origin: Sequence[str] = ()) -> None:
        """Record a problem at ``key``. A problem about several values names
        the place of the first of ``origin`` that an override set (else the
        place of ``key``)."""
        places = [self.where(p) for p in origin]
        place = next((w for w in places if w != self.file), self.where(key))
        shown = value if value is MISSING else _Shown(value)
        self.problems.append(Problem(place, key, shown, message, allowed))

    def table(self, doc: Any, path: str, allowed: set[str], what: str = "") -> dict:
        if doc is None:
            return {}
        if not isinstance(doc, dict):
            keys = what or (f"a table with keys among {_choices(sorted(allowed))}" if allowed
                            else "a TOML table")
            self.add(path, doc, f"must be a table, not {_kind(doc)}", keys)
            return {}
        for k in doc:
            full = _sub(path, k)
            if full in _MOVED:
                self.add(full, doc[k], "this key was replaced", f"use {_MOVED[full]}")
            elif k not in allowed:
                hint = _near(k, sorted(allowed))
                if path and k == "participants":  # a top-level key written after a [table] header
                    hint = " (participants belongs at the top of the file, above the first [table] header)"
                self.add(full, MISSING, f"unknown key{hint}", _choices(sorted(allowed)))
        return doc

    def integer(self, doc: dict, key: str, path: str, lo: int | None = 0, hi: int | None = MAX_AMOUNT,
                required: bool = False, what: str = "a whole number") -> int | None:
        """A whole number in ``[lo, hi]``; a float is accepted when whole (``420e6``)."""
        full = _sub(path, key)
        if key not in doc:
            if required:
                self.add(full, MISSING, "required key is missing", what)
            return None
        v = doc[key]
        rng = (f"{what} from {_n(lo)} to {_n(hi)}" if lo is not None and hi is not None
               else f"{what} >= {_n(lo)}" if lo is not None else what)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            self.add(full, v, _wrong(v, "number"), rng)
        elif isinstance(v, float) and not math.isfinite(v):
            self.add(full, v, _not_finite(v), rng)
        elif isinstance(v, float) and not v.is_integer():
            self.add(full, v, "not a whole number", rng)
        elif hi is not None and v > hi:
            self.add(full, v, _above(hi), rng)
        elif lo is not None and v < lo:
            self.add(full, v, _below(lo), rng)
        else:
            if what == _PERSONS:
                self.persons.append((full, v))  # as written: 1e6 stays 1e6 in messages
            return int(v)
        return None

    def number(self, doc: dict, key: str, path: str, lo: int = 0, hi: int = 1,
               what: str = "a number", above_lo: bool = False, allowed: str = "") -> Fraction | None:
        """A finite number in ``[lo, hi]`` (``(lo, hi]`` if ``above_lo``), exact
        as written (``0.42`` is 21/50); ``hi`` None: no upper bound."""
        full = _sub(path, key)
        if key not in doc:
            return None
        v = doc[key]
        allowed = allowed or (f"{what} above {lo}" if above_lo else f"{what} from {lo}") + (
            "" if hi is None else f" to {_n(hi)}")
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            self.add(full, v, _wrong(v, "number"), allowed)
        elif isinstance(v, float) and not math.isfinite(v):
            self.add(full, v, _not_finite(v), allowed)
        elif v < lo or (above_lo and v == lo):
            self.add(full, v, f"must be above {lo}" if v == lo else _below(lo), allowed)
        elif hi is not None and v > hi:
            self.add(full, v, _above(hi), allowed)
        else:
            return Fraction(repr(v)) if isinstance(v, float) else Fraction(v)
        return None

    def fraction(self, doc: dict, key: str, path: str, lo=0, hi=1) -> Fraction | None:
        return self.number(doc, key, path, lo, hi)

    def string(self, doc: dict, key: str, path: str) -> str | None:
        if key not in doc:
            return None
        v = doc[key]
        if not isinstance(v, str):
            self.add(_sub(path, key), v, _wrong(v), "a string in quotes")
            return None
        return v

    def boolean(self, doc: dict, key: str, path: str) -> bool | None:
        if key not in doc:
            return None
        if not isinstance(doc[key], bool):
            self.add(_sub(path, key), doc[key], _wrong(doc[key], "boolean"), "true or false")
            return None
        return doc[key]

    def enum(self, doc: dict, key: str, path: str, enum, exclude=(), why: str = ""):
        """A member of ``enum``; a member of ``exclude`` (a value another part of the
        tool uses) is refused with ``why``, and left out of what is allowed."""
        if key not in doc:
            return None
        v = doc[key]
        values = [e.value for e in enum if e not in exclude]
        if not isinstance(v, str):
            self.add(_sub(path, key), v, _wrong(v), "one of the strings " + _choices(values))
            return None
        try:
            member = enum(v)
        except ValueError:
            self.add(_sub(path, key), v, f"unknown value{_near(v, values)}", _choices(values))
            return None
        if member in exclude:
            self.add(_sub(path, key), v, why or "not allowed here", _choices(values))
            return None
        return member

    def code(self, code: Any, path: str) -> bool:
        """True for a known country code; otherwise a problem with a hint."""
        if self.synthetic:
            if isinstance(code, str) and re.fullmatch(SYNTHETIC_CODE, code):
                return True
            self.add(path, code, "not a synthetic unit code ([scenario] units = \"synthetic\")",
                     "U and five or more digits, such as \"U00001\"")
            return False
        if isinstance(code, str) and code in KNOWN_CODES:
            return True
        allowed = "Eurostat two-letter codes: " + _choices(sorted(KNOWN_CODES))
        if not isinstance(code, str):
            self.add(path, code, _wrong(code), allowed + ', each in quotes ("AT")')
            return False
        c = code.strip().upper()
        if c == "GR":
            hint = " (Eurostat writes Greece as EL)"
        elif c in ("UK", "GB"):
            hint = " (the United Kingdom is not bound by the AMMR)"
        elif c in KNOWN_CODES:
            hint = f" (codes are upper case: {c})" if code.strip() == code else f" (did you mean {c}?)"
        elif code.strip().lower() in _NAMES:
            hint = f" (did you mean {_NAMES[code.strip().lower()]}?)"
        else:
            near = difflib.get_close_matches(code.strip().lower(), list(_NAMES), n=1, cutoff=0.8)
            hint = f" (did you mean {_NAMES[near[0]]}?)" if near else ""
        self.add(path, code, f"unknown country code{hint}", allowed)
        return False

    def per_country(self, doc: Any, name: str, participants, allowed: set[str]):
        """Yield ``(code, key path, body)`` for each valid participant's table."""
        doc = self.table(doc, name, set(doc) if isinstance(doc, dict) else set(),
                         what=f"[{name}.CODE] tables, one per country code")
        for code, body in doc.items():
            path = _sub(name, code)
            if not self.code(code, path):
                continue
            if code not in participants:
                self.add(path, code, "not a participant",
                         "one of the scenario's participants: " + _choices(participants))
            yield code, path, self.table(body, path, allowed)

    def amounts(self, doc: Any, path: str) -> Amounts:
        doc = self.table(doc, path, set(_AMOUNT_KEYS))
        vals = {t.value: self.integer(doc, k, path, what=_PERSONS if t.unit == "persons" else _EUROS)
                for k, t in _AMOUNT_KEYS.items()}
        return Amounts(**vals)


def load_scenario(path: str | Path, sets: Sequence[str] = (), variant: str | None = None) -> Scenario:
    """Read a scenario file, apply overrides, validate and freeze it.

    Parameters
    ----------
    path : the scenario file (TOML).
    sets : overrides ``key.path=value`` (the command line's ``--set``).
    variant : name of a ``[variants.NAME]`` block of the file to apply.

    Raises
    ------
    InputError
        listing every problem in the file and the overrides.
    """
    from .document import apply_overrides, read_document

    raw = read_document(path)
    doc = apply_overrides(raw, sets, variant) if sets or variant else raw
    return from_document(doc, source=raw, sets=tuple(sets), variant=variant)


def parse_scenario(text: str, file: str = "<string>", base: Path | None = None) -> Scenario:
    """Validate scenario text; ``base`` resolves relative data file paths."""
    from .document import parse_document

    return from_document(parse_document(text, file=file, base=base))


def from_document(doc, source=None, sets: tuple[str, ...] = (), variant: str | None = None) -> Scenario:
    """Validate an effective :class:`~solidarity.inputs.document.Document`.

    ``source`` is the document before the overrides ``sets`` and ``variant``
    (default: ``doc`` itself).
    """
    from dataclasses import replace

    from .document import digest, format_override

    doc, notes = keep_rate(doc, source if source is not None else doc)
    sc = validate(doc.data, file=doc.file, base=doc.base, document=doc, digest_=digest(doc),
                  overrides=tuple(format_override(o) for o in doc.applied) + notes)
    return replace(sc, source=source if source is not None else doc, effective=doc, sets=tuple(sets),
                   variant=variant)


#: Label of a pool unit derived from the other at the file's rate (see :func:`keep_rate`).
KEPT_RATE = "kept {} per relocation"


def _whole(v: Any) -> bool:
    return type(v) is int and 0 <= v <= MAX_AMOUNT


def keep_rate(doc, source) -> tuple[Any, tuple[str, ...]]:
    """One rule for the pool's two units, whatever changed them (``--set``, a
    variant, a sweep's ``--vary``, the API's ``sets``).

    Changing R alone (``pool.relocations``) or F alone (``pool.financial_eur``)
    keeps the rate e of the file (its ``pool.equivalence_eur``, else F / R of
    the file's values; an override of ``pool.equivalence_eur`` gives the rate
    to keep) and derives the other unit: F = R x e, or R = F / e in whole
    persons (halves up; ``pool.equivalence_eur`` is then pinned to e when F / R
    would round to another rate). A unit the file gives as 0 (a pool stated in
    one unit only) stays 0. Changing both sets the rate to F / R (unless
    ``pool.equivalence_eur`` is given).

    Returns the document with the derived unit set (an override labelled
    ``kept EUR e per relocation``, so it is logged on stderr, in ``meta`` and
    in the effective scenario) and notes for a rate that changed. Values that
    are not whole amounts are left for the validator to report.
    """
    from ..numbers import eur
    from .document import with_values

    changed = {o.path for o in doc.applied if not o.source.startswith("kept EUR ")}
    whole_pool = "pool" in changed
    r_set = whole_pool or "pool.relocations" in changed
    f_set = whole_pool or "pool.financial_eur" in changed
    if not (r_set or f_set):
        return doc, ()
    before, after = source.data.get("pool"), doc.data.get("pool")
    if not (isinstance(before, dict) and isinstance(after, dict)):
        return doc, ()
    r0: Any = before.get("relocations")
    f0: Any = before.get("financial_eur")
    e0: Any = before.get("equivalence_eur")
    r1: Any = after.get("relocations")
    f1: Any = after.get("financial_eur")
    e1: Any = after.get("equivalence_eur")
    if not (_whole(r0) and _whole(f0) and (e0 is None or _whole(e0))
            and (e1 is None or (_whole(e1) and e1 >= 1))):
        return doc, ()
    old_rate = PoolSettings(r0, f0, e0).rate
    if r_set and f_set:
        if not (_whole(r1) and _whole(f1)) or (r1, f1) == (r0, f0):
            return doc, ()
        new_rate = PoolSettings(r1, f1, e1).rate
        if new_rate == old_rate:
            return doc, ()
        return doc, (f"pool rate: {eur(old_rate)} -> {eur(new_rate)} per relocation "
                     "(relocations and financial_eur both set)",)
    rate = e1 if e1 is not None else old_rate
    label = KEPT_RATE.format(eur(rate))
    if r_set and _whole(r1) and f0 > 0:
        values: dict[str, Any] = {"pool.financial_eur": r1 * rate}
    elif f_set and _whole(f1) and r0 > 0:
        r = math.floor(Fraction(f1, rate) + Fraction(1, 2))
        values = {"pool.relocations": r}
        if e1 is None and r > 0 and PoolSettings(r, f1).rate != rate:
            values["pool.equivalence_eur"] = rate
    else:
        return doc, ()
    return with_values(doc, values, label), ()


def validate(data: Mapping[str, Any], file: str = "<memory>", base: Path | None = None,
             document=None, digest_: str = "", overrides: tuple[str, ...] = ()) -> Scenario:
    """Validate a plain scenario document and freeze it.

    ``document`` (a :class:`~solidarity.inputs.document.Document`) knows where each
    key path came from (the file, ``--set``, a variant), so a bad value is
    reported there.
    """
    doc = dict(data)
    c = _Checker(file, document)
    c.table(doc, "", _TOP)

    design_doc = doc.get("design") or {}
    if not isinstance(design_doc, dict):  # its keys are the design's own: checked by designs.parse
        c.add("design", design_doc, f"must be a table, not {_kind(design_doc)}",
              "a table with kind and the design's keys")
        design_doc = {}
    design = c.enum(design_doc, "kind", "design", Design) or Design.AMMR
    meta = c.table(doc.get("scenario"), "scenario", _SCENARIO)
    if "scenario" not in doc:
        c.add("scenario", MISSING, "required table is missing", "a [scenario] table with name and year")
    name = c.string(meta, "name", "scenario") or Path(file).stem
    year = c.integer(meta, "year", "scenario", lo=designs.FIRST_YEAR[design], hi=2100,
                     required=isinstance(doc.get("scenario"), dict), what="a cycle year") or 0
    description = c.string(meta, "description", "scenario") or ""
    units = c.enum(meta, "units", "scenario", Units) or Units.COUNTRIES
    c.synthetic = units is Units.SYNTHETIC

    participants = _participants(c, doc.get("participants"))
    data_sel = _data(c, doc.get("data"), base)
    key = _key(c, doc.get("key"))
    before = len(c.problems)
    pool = _pool(c, doc.get("pool"), "pool" in doc)
    pool_ok = len(c.problems) == before
    benefs = _beneficiaries(c, doc.get("beneficiaries"), participants)
    states = _states(c, doc.get("states"), participants, benefs)
    allocation = _allocation(c, doc.get("allocation"))
    solver = _solver(c, doc.get("solver"))
    offsets = _offsets(c, doc.get("offsets"))
    crisis = _crisis(c, doc.get("crisis"), participants) if "crisis" in doc else None
    if pool_ok:
        _persons_value(c, pool)
    settings = designs.parse(c, {k: v for k, v in design_doc.items() if k != "kind"}, design,
                             designs.DesignContext(file, year, participants, tuple(benefs),
                                                   pool.relocations if pool_ok else None))

    if c.problems:
        raise InputError(c.problems)
    return Scenario(name=name, year=year, description=description, units=units, participants=participants,
                    data=data_sel, key=key, pool=pool, states=FrozenDict(states),
                    beneficiaries=FrozenDict(benefs), allocation=allocation, solver=solver,
                    offsets=offsets, crisis=crisis, path=file, digest=digest_,
                    document=_freeze(data), overrides=overrides, design=design, design_settings=settings)


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return FrozenDict({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _participants(c: _Checker, value: Any) -> tuple[str, ...]:
    if value is None:
        if c.synthetic:
            c.add("participants", MISSING, "required for synthetic units",
                  'an array of unit codes, such as ["U00001", "U00002"]')
        return DEFAULT_PARTICIPANTS
    allowed = 'a non-empty array of country codes, such as ["AT", "BE"] (default: EU-27 minus DK)'
    if not isinstance(value, (list, tuple)):
        c.add("participants", value, _wrong(value), allowed)
        return DEFAULT_PARTICIPANTS
    if not value:
        c.add("participants", value, "empty participant set", allowed)
        return DEFAULT_PARTICIPANTS
    seen, out = set(), []
    for i, code in enumerate(value):
        if not c.code(code, f"participants[{i}]"):
            continue
        if code in seen:
            c.add(f"participants[{i}]", code, "duplicate country code", "each code once")
            continue
        seen.add(code)
        out.append(code)
    return tuple(sorted(out))


def _data(c: _Checker, doc: Any, base: Path | None) -> DataSelection:
    doc = c.table(doc, "data", _DATA)
    out: dict[str, Any] = {}
    out["population_year"] = c.integer(doc, "population_year", "data", lo=1990, hi=2100, what="a year")
    out["gdp_year"] = c.integer(doc, "gdp_year", "data", lo=1990, hi=2100, what="a year")
    for k in ("population_file", "gdp_file"):
        f = c.string(doc, k, "data")
        if f is not None:
            p = Path(f) if base is None or Path(f).is_absolute() else base / f
            allowed = ("a path to a Eurostat TSV, SDMX-CSV or tidy CSV file (optionally gzipped), "
                       "relative to the scenario file, inside its folder, the current folder or a --data-dir")
            from .trust import refusal, roots
            why = refusal(p, roots(base))
            try:
                if why is not None:  # refused from its name and stat alone: never opened
                    c.add(f"data.{k}", f, why, allowed)
                elif p.is_dir():
                    c.add(f"data.{k}", f, "is a folder, not a file", allowed)
                elif not p.is_file():
                    c.add(f"data.{k}", f, "file not found", allowed)
            except (OSError, ValueError) as exc:  # a name too long, a NUL byte, no permission
                c.add(f"data.{k}", f, f"cannot be read ({getattr(exc, 'strerror', None) or exc})",
                      allowed)
            out[k] = str(p)
    for k in ("population_vintage", "gdp_vintage"):
        out[k] = c.string(doc, k, "data")
    change = c.number(doc, "max_year_change", "data", lo=0, hi=10**9,
                      what="a factor of 1 or more, or 0 for any")
    if change is not None and 0 < change < 1:
        c.add("data.max_year_change", float(change), "below 1", "a factor of 1 or more, or 0 for any change")
    elif change is not None:
        out["max_year_change"] = float(change)
    for k in ("population_filters", "gdp_filters"):
        f = doc.get(k)
        if f is None:
            continue
        allowed = 'a table of Eurostat dimension = "code" strings, such as { unit = "CP_MEUR" }'
        if not isinstance(f, dict):
            c.add(f"data.{k}", f, _wrong(f), allowed)
            continue
        bad = [d for d, v in f.items() if not isinstance(v, str)]
        for d in bad:
            c.add(_sub(f"data.{k}", d), f[d], _wrong(f[d]), allowed)
        if bad:
            continue
        out[k] = FrozenDict(f)
    return DataSelection(**{k: v for k, v in out.items() if v is not None})


def _key(c: _Checker, doc: Any) -> KeySettings:
    doc = c.table(doc, "key", _KEY)
    wp = c.fraction(doc, "population_weight", "key")
    wg = c.fraction(doc, "gdp_weight", "key")
    # per-state rounding is the Commission's 2015 practice (the relocation-2015 design's), not a total of R
    method = c.enum(doc, "method", "key", Method, exclude=(Method.PER_STATE,),
                    why="per-state rounding does not add up to R, which the relocations_apportioned column "
                        "must (it is the 2015 relocation design's rounding)") or Method.HAMILTON
    wp = (1 - wg if wg is not None else Fraction(1, 2)) if wp is None else wp
    wg = (1 - wp) if wg is None else wg
    if wp + wg != 1:
        c.add("key", {"population_weight": float(wp), "gdp_weight": float(wg)},
              "weights do not add up to 1", "two numbers in [0, 1] whose sum is 1")
    return KeySettings(weights=FrozenDict({POPULATION: wp, GDP: wg}), method=method)


def _pool(c: _Checker, doc: Any, present: bool) -> PoolSettings:
    if not present:
        c.add("pool", MISSING, "required table is missing",
              "a [pool] table with relocations and financial_eur")
    required = isinstance(doc, dict)  # a non-table is reported once, not per key
    doc = c.table(doc, "pool", _POOL)
    r = c.integer(doc, "relocations", "pool", required=required, what=_PERSONS)
    f = c.integer(doc, "financial_eur", "pool", required=required, what=_EUROS)
    e = c.integer(doc, "equivalence_eur", "pool", lo=1, what="whole euros per relocation")
    sar = c.fraction(doc, "sar_share", "pool")
    redis = c.boolean(doc, "redistribute_deductions", "pool")
    pr = c.integer(doc, "proposal_relocations", "pool", what=_PERSONS)
    pf = c.integer(doc, "proposal_financial_eur", "pool", what=_EUROS)
    pool = PoolSettings(relocations=r or 0, financial_eur=f or 0, equivalence_eur=e,
                        sar_share=sar or Fraction(0), redistribute_deductions=bool(redis),
                        proposal_relocations=pr, proposal_financial_eur=pf)
    if r is not None and f is not None:
        both = ("pool.relocations", "pool.financial_eur")
        if r == 0 and f == 0:
            c.add("pool", {"relocations": 0, "financial_eur": 0}, "the pool is empty",
                  "relocations or financial_eur above 0", origin=both)
        elif e is None and r > 0 and f > 0 and pool.rate == 0:
            c.add("pool.financial_eur", f, f"the rate per relocation F / R = {_n(f)} / {_n(r)} "
                  "rounds to zero euros", f"financial_eur >= relocations / 2 ({_n((r + 1) // 2)}), "
                  "or set pool.equivalence_eur", origin=both)
        elif pool.rate * r > MAX_AMOUNT:
            c.add("pool.relocations", r, f"the pool's value {_n(pool.rate)} x {_n(r)} EUR is too "
                  f"large", f"at most {_n(MAX_AMOUNT)} EUR", origin=(*both, "pool.equivalence_eur"))
    return pool


def _persons_value(c: _Checker, pool: PoolSettings) -> None:
    """Each number of persons is worth the pool's rate in EUR apiece (pledges,
    needs, a crisis plan and its credits); its value must stay within
    MAX_AMOUNT like every amount in EUR."""
    rate = pool.rate
    most = MAX_AMOUNT // rate
    for path, v in c.persons:
        if path != "pool.relocations" and v > most:  # the pool itself: checked in _pool
            c.add(path, v, f"too large: worth {_n(int(v) * rate)} EUR at EUR {_n(rate)} per relocation; the "
                  f"largest allowed is {_n(most)} persons", f"{_PERSONS} from 0 to {_n(most)}")


def _allocation(c: _Checker, doc: Any) -> AllocationSettings:
    doc = c.table(doc, "allocation", _ALLOCATION)
    return AllocationSettings(priority=c.enum(doc, "priority", "allocation", Priority) or Priority.PREFERENCES,
                              flows=c.enum(doc, "flows", "allocation", FlowsMode) or FlowsMode.PROPORTIONAL)


def _mix(c: _Checker, body: dict, path: str) -> Mapping[SolidarityType, Fraction] | None:
    if "mix" not in body:
        return None
    allowed = "shares of relocation, financial, alternative summing to 1"
    if not isinstance(body["mix"], dict):
        c.table(body["mix"], f"{path}.mix", set(_MIX_KEYS), what="a table of " + allowed)
        return None
    mix_doc = c.table(body["mix"], f"{path}.mix", set(_MIX_KEYS))
    parts = {t: c.fraction(mix_doc, k, f"{path}.mix") for k, t in _MIX_KEYS.items()}
    if all(v is None for v in parts.values()):
        c.add(f"{path}.mix", body["mix"], "empty mix", allowed)
        return None
    mix = {t: (v or Fraction(0)) for t, v in parts.items()}
    if sum(mix.values()) != 1:
        c.add(f"{path}.mix", body["mix"], "shares do not add up to 1", allowed)
    return FrozenDict(mix)


def _states(c: _Checker, doc: Any, participants: tuple[str, ...],
            benefs: Mapping[str, BeneficiarySettings]) -> dict[str, StateSettings]:
    out = {}
    for code, path, body in c.per_country(doc, "states", participants, _STATE):
        status = c.enum(body, "status", path, Status) or Status.NONE
        deduction = c.fraction(body, "deduction", path)
        fixed = c.amounts(body["fixed"], f"{path}.fixed") if "fixed" in body else None
        lo = c.amounts(body.get("min"), f"{path}.min")
        hi = c.amounts(body.get("max"), f"{path}.max")
        pref = c.amounts(body.get("preferred"), f"{path}.preferred")
        mix = _mix(c, body, path)
        if fixed is not None and (lo.given() or hi.given() or pref.given() or mix):
            c.add(f"{path}.fixed", MISSING, "fixed pledges exclude min, max, preferred and mix",
                  "either fixed, or any of min/max/preferred/mix")
        if pref.given() and mix:
            c.add(f"{path}.mix", MISSING, "give either preferred amounts or a mix, not both",
                  "preferred or mix")
        for t in TYPES:
            a, b = lo.get(t), hi.get(t)
            if a is not None and b is not None and a > b:
                c.add(f"{path}.min.{t.toml_key}", a, f"greater than max ({b})", f"a value <= {b}")
        implemented = c.fraction(body, "implemented", path)
        third = c.integer(body, "third_country_eur", path, what=_EUROS) or 0
        lo = _third_country(c, path, third, fixed, lo, hi)
        out[code] = StateSettings(
            geo=code, status=status, deduction=deduction if deduction is not None else Fraction(0),
            fixed=fixed, minimum=lo, maximum=hi, preferred=pref, mix=mix,
            note=c.string(body, "note", path) or "",
            implemented=Fraction(1) if implemented is None else implemented,
            credit_eur=c.integer(body, "credit_eur", path, what=_EUROS) or 0,
            carried_relocations=c.integer(body, "carried_relocations", path, what=_PERSONS) or 0,
            third_country_eur=third)
        if deduction is None and code in benefs:
            out[code] = _benefitting_default(out[code])
    for code in benefs:
        if code not in out and code in participants:
            out[code] = _benefitting_default(StateSettings(geo=code))
    return dict(sorted(out.items()))


def _third_country(c: _Checker, path: str, third: int, fixed: Amounts | None, lo: Amounts,
                   hi: Amounts) -> Amounts:
    """The money earmarked for third-country actions (Art 56(2)(b), Art 64)
    is part of the state's money pledge: within a recorded pledge's money,
    below a stated cap; for a pledge the model chooses, a floor on the money
    (the floors returned: the larger of a stated floor and the earmark)."""
    if third == 0:
        return lo
    key = f"{path}.third_country_eur"
    if fixed is not None:
        if third > (fixed.financial or 0):
            c.add(key, third, f"more than the recorded money pledge (fixed.financial_eur = {_n(fixed.financial or 0)})",
                  f"whole euros from 0 to {_n(fixed.financial or 0)}")
        return lo
    cap = hi.financial
    if cap is not None and third > cap:
        c.add(key, third, f"more than the money cap (max.financial_eur = {_n(cap)})",
              f"whole euros from 0 to {_n(cap)}")
        return lo
    from dataclasses import replace
    return replace(lo, financial=max(lo.financial or 0, third))


def _benefitting_default(st: StateSettings) -> StateSettings:
    """Art 60(3): benefitting states need not implement their own pledges in
    the year; unless the scenario gives a deduction, they are fully deducted."""
    from dataclasses import replace
    return replace(st, deduction=Fraction(1), deduction_default=True)


def _beneficiaries(c: _Checker, doc: Any, participants) -> dict[str, BeneficiarySettings]:
    out = {}
    for code, path, body in c.per_country(doc, "beneficiaries", participants, _BENEF):
        needs = c.amounts(body.get("needs"), f"{path}.needs")
        sar = bool(c.boolean(body, "sar", path))
        out[code] = BeneficiarySettings(
            geo=code, needs=Amounts(*(needs.get(t) or 0 for t in TYPES)), sar=sar,
            note=c.string(body, "note", path) or "")
    return dict(sorted(out.items()))


def _offsets(c: _Checker, doc: Any) -> OffsetSettings:
    doc = c.table(doc, "offsets", _OFFSETS)
    out: dict[str, Any] = {
        "identified_needs": c.integer(doc, "identified_needs", "offsets", what=_PERSONS),
        "reference_relocations": c.integer(doc, "reference_relocations", "offsets", what=_PERSONS),
    }
    for k in ("voluntary_share", "state_share", "needs_share"):
        v = c.fraction(doc, k, "offsets")
        if v is not None:
            out[k] = v
    return OffsetSettings(**out)


def _crisis(c: _Checker, doc: Any, participants) -> CrisisSettings | None:
    if not isinstance(doc, dict):
        c.table(doc, "crisis", _CRISIS)
        return None
    doc = c.table(doc, "crisis", _CRISIS)
    state = doc.get("state")
    if state is None:
        c.add("crisis.state", MISSING, "required key is missing", "the country code of the state in crisis")
    elif c.code(state, "crisis.state") and state not in participants:
        c.add("crisis.state", state, "not a participant",
              "one of the scenario's participants: " + _choices(participants))
    rel = c.integer(doc, "relocations", "crisis", required=True, what=_PERSONS)
    years = c.integer(doc, "credit_years", "crisis", lo=1, hi=20, what="a number of cycles")
    extra: dict[str, int] = {}
    add = doc.get("additional", {})
    if not isinstance(add, dict):
        c.add("crisis.additional", add, f"must be a table, not {_kind(add)}",
              "a table of country code = whole persons, such as { DE = 500 }")
    else:
        for code in add:
            if c.code(code, f"crisis.additional.{code}"):
                if code not in participants:
                    c.add(f"crisis.additional.{code}", code, "not a participant",
                          "one of the scenario's participants: " + _choices(participants))
                n = c.integer(add, code, "crisis.additional", what=_PERSONS)
                if n is not None:
                    extra[code] = n
    return CrisisSettings(state=state if isinstance(state, str) else "", relocations=rel or 0,
                          additional=FrozenDict(extra), credit_years=years or 5)


def _solver(c: _Checker, doc: Any) -> SolverSettings:
    doc = c.table(doc, "solver", _SOLVER)
    name = c.enum(doc, "name", "solver", SolverName) or SolverName.HIGHS
    tl = c.number(doc, "time_limit", "solver", lo=0, hi=MAX_TIME_LIMIT, above_lo=True,
                  allowed=f"a number of seconds above 0, at most {_n(MAX_TIME_LIMIT)} (a year); "
                          "leave it out for no limit")
    gap = c.fraction(doc, "mip_gap", "solver")
    return SolverSettings(name=name, time_limit=float(tl) if tl is not None else None,
                          mip_gap=float(gap or 0))


__all__ = ["Scenario", "StateSettings", "BeneficiarySettings", "PoolSettings", "KeySettings",
           "AllocationSettings", "OffsetSettings", "CrisisSettings", "DataSelection",
           "SolverSettings", "Amounts", "load_scenario", "parse_scenario", "validate",
           "from_document", "MAX_AMOUNT", "EU27"]


# --- parts of the validator for options that mirror scenario keys -------------

def check_participants(codes: Any, where: str = "command line") -> tuple[tuple[str, ...], list[Problem]]:
    """Participant codes checked as a scenario's are (same hints): the codes
    and the problems found (empty when valid)."""
    c = _Checker(where)
    return _participants(c, codes), c.problems


def check_pool(doc: Any, method: Any, where: str = "command line") -> tuple[PoolSettings, Method, list[Problem]]:
    """A ``[pool]`` table and a key method checked as a scenario's are: the
    pool, the method and the problems found (empty when valid)."""
    c = _Checker(where)
    pool = _pool(c, doc, True)
    return pool, c.enum({"method": method}, "method", "key", Method), c.problems
