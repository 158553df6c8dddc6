"""The ``[design]`` keys of the 2016 Dublin IV proposal (``kind = "dublin-iv"``).

COM(2016) 270, Chapter VII, the corrective allocation mechanism: a state
whose applications exceed 150 % of its reference number (Art 34(2)) has
new applications allocated to the states below 100 % of theirs (Art 36(1));
a state may opt out for 12 months and pay EUR 250 000 per applicant it
would have received (Art 37(1), (3)). Paragraph numbers not read in the
text are marked [unverified] in :mod:`solidarity.pact.dublin4`. Where the text leaves a choice it is a key
here, with the default stated (see :data:`KEYS` and docs/designs-dublin4.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ..schema import FrozenDict, Method
from .monthly import month_of

#: Solidarity contribution per applicant a state that opted out would have
#: received (COM(2016) 270 Art 37(1), (3)).
CONTRIBUTION_EUR = 250_000


class Window(StrEnum):
    """Which months the reference number and the state's count run over (Art 34(3))."""

    ROLLING = "rolling-12-months"  #: the 12 months up to and including the month simulated (default)
    CALENDAR = "calendar-year"  #: from January of the month's year up to the month simulated


#: Apportionment methods a month's allocation may use: those that hand out
#: exactly the persons to allocate (not ``ceiling``).
METHODS = tuple(m for m in Method if m is not Method.CEILING)


@dataclass(frozen=True)
class Dublin4Settings:
    """The validated ``[design]`` table of a Dublin IV scenario."""

    first_month: str  #: first month simulated, ``YYYY-MM``
    months: int  #: months simulated
    window: Window
    trigger_percent: int  #: Art 34(2): 150
    receive_below_percent: int  #: Art 36(1): 100
    method: Method
    contribution_eur: int  #: Art 37(1): 250 000
    opt_out: tuple[str, ...]  #: states that opted out for the 12 months (Art 37(1))
    applications_file: str | None  #: path (resolved against the scenario), or None: bundled
    applications_filters: FrozenDict  #: Eurostat dimension -> code for a download

    @property
    def simulated(self) -> list[str]:
        from .monthly import months_from
        return months_from(self.first_month, self.months)


_KEYS = {"first_month", "months", "window", "trigger_percent", "receive_below_percent", "method",
         "solidarity_contribution_eur", "opt_out", "applications_file", "applications_filters"}

#: ``(path below design., type, allowed, default, doc)``.
KEYS: tuple[tuple[str, str, str, str, str], ...] = (
    ("first_month", "string", "a month written YYYY-MM", "January of the scenario's year",
     "first month simulated"),
    ("months", "whole number", "1 to 36", "12", "how many months are simulated (the opt-out runs 12, Art 37(1))"),
    ("window", "string", ", ".join(f'"{w.value}"' for w in Window), f'"{Window.ROLLING.value}"',
     "the months over which the reference number and a state's applications are counted: the 12 months up "
     "to the month simulated (Art 34(3) [unverified]: the preceding 12 months) or the calendar year so far"),
    ("trigger_percent", "whole number", "100 to 1000", "150",
     "the threshold, in % of the reference number, above which a state's new applications are allocated "
     "(Art 34(2))"),
    ("receive_below_percent", "whole number", "1 to 100", "100",
     "a state receives while its applications are below this % of its reference number (Art 36(1))"),
    ("method", "string", ", ".join(f'"{m.value}"' for m in METHODS), f'"{Method.HAMILTON.value}"',
     "the apportionment of each month's allocation among the receiving states in proportion to the key "
     "(the text does not fix it: a deterministic pro-rata sequence, not a random draw)"),
    ("solidarity_contribution_eur", "whole number", "0 or more", f"{CONTRIBUTION_EUR}",
     "EUR per applicant a state that opted out would have received, paid to the state that takes the "
     "person instead (Art 37(1), (3))"),
    ("opt_out", "array of codes", 'participants, such as ["HU"] (a table { HU = true } is read the same)',
     "none", "the participants that opted out of the allocation for the 12 months (Art 37(1)): each receives "
     "nobody and pays the solidarity contribution"),
    ("applications_file", "string", "a path, relative to the scenario file: a tidy CSV (geo, month, value) or "
     "a Eurostat TSV/SDMX-CSV of migr_asyappctzm", "the bundled data/asylum-monthly-dublin4.csv",
     "monthly asylum applications per state"),
    ("applications_filters", "table", 'Eurostat dimension = "code", such as { asyl_app = "ASY_APP" }',
     'freq M, citizen TOTAL, sex T, age TOTAL, unit PER, asyl_app NASY_APP (first-time applicants)',
     "which series of a Eurostat download to read"),
)


def _opt_out(c, table: dict[str, Any], ctx) -> tuple[str, ...]:
    """``opt_out``: a table ``CODE = true`` or an array of codes; each a participant."""
    doc = table.get("opt_out")
    if doc is None:
        return ()
    codes: list[tuple[str, str]] = []
    if isinstance(doc, list):
        codes = [(code, f"design.opt_out[{i}]") for i, code in enumerate(doc)]
    elif isinstance(doc, dict):
        for code, v in doc.items():
            path = f"design.opt_out.{code}"
            if not isinstance(v, bool):
                c.add(path, v, "must be true or false", "true (opted out) or false")
            elif v:
                codes.append((code, path))
    else:
        c.add("design.opt_out", doc, "must be a table or an array",
              'a table such as { HU = true } or an array such as ["HU"]')
        return ()
    out = []
    for code, path in codes:
        if not c.code(code, path):
            continue
        if code not in ctx.participants:
            c.add(path, code, "not a participant", "one of the scenario's participants: "
                  + ", ".join(ctx.participants))
        elif code in out:
            c.add(path, code, "named twice", "each state once")
        else:
            out.append(code)
    return tuple(sorted(out))


def _filters(c, table: dict[str, Any]) -> FrozenDict:
    doc = table.get("applications_filters")
    if doc is None:
        return FrozenDict()
    if not isinstance(doc, dict):
        c.add("design.applications_filters", doc, "must be a table", 'a table such as { asyl_app = "ASY_APP" }')
        return FrozenDict()
    bad = {k: v for k, v in doc.items() if not isinstance(v, str)}
    for k, v in bad.items():
        c.add(f"design.applications_filters.{k}", v, "must be a string", 'a Eurostat code in quotes, "NASY_APP"')
    return FrozenDict({str(k): v for k, v in doc.items() if k not in bad})


def parse(c, table: dict[str, Any], ctx) -> Dublin4Settings | None:
    """The Dublin IV settings from ``[design]`` (without ``kind``); None if a problem was recorded."""
    before = len(c.problems)
    c.table(table, "design", _KEYS)
    first = c.string(table, "first_month", "design")
    if first is not None and month_of(first) != first:
        c.add("design.first_month", first, "not a month", "a month written YYYY-MM, such as \"2015-01\"")
    months = c.integer(table, "months", "design", lo=1, hi=36, what="a number of months")
    window = c.enum(table, "window", "design", Window)
    trigger = c.integer(table, "trigger_percent", "design", lo=100, hi=1000, what="a percentage")
    below = c.integer(table, "receive_below_percent", "design", lo=1, hi=100, what="a percentage")
    method = c.enum(table, "method", "design", Method)
    if method is Method.CEILING:
        c.add("design.method", method.value, "hands out more persons than there are to allocate",
              ", ".join(m.value for m in METHODS))
    eur = c.integer(table, "solidarity_contribution_eur", "design", what="whole euros")
    opt_out = _opt_out(c, table, ctx)
    file = c.string(table, "applications_file", "design")
    filters = _filters(c, table)
    if len(c.problems) > before:
        return None
    return Dublin4Settings(
        first_month=first or f"{ctx.year:04d}-01", months=12 if months is None else months,
        window=window or Window.ROLLING, trigger_percent=150 if trigger is None else trigger,
        receive_below_percent=100 if below is None else below, method=method or Method.HAMILTON,
        contribution_eur=CONTRIBUTION_EUR if eur is None else eur, opt_out=opt_out,
        applications_file=file, applications_filters=filters)


#: Bundled population and GDP of earlier years (population 1 January 2015, GDP 2014), used
#: when the scenario names no file and the main bundled files lack its years.
KEY_FILES = {"population": "population-dublin4.csv", "gdp_meur": "gdp-dublin4.csv"}


def key_data(scenario):
    """Population and GDP for the key (called by :func:`solidarity.inputs.data.load_data`):
    as for the Pact, else (no file named, years not in the main bundled files)
    from the bundled files of earlier years, :data:`KEY_FILES`."""
    from ..errors import InputError
    from .data import GDP, POPULATION, data_dir, load_data, load_indicator

    try:
        return load_data(scenario, design=False)
    except InputError as exc:
        d = scenario.data
        if d.population_file is not None or d.gdp_file is not None:
            raise
        try:
            return tuple(
                load_indicator(name, year=year, path=data_dir() / KEY_FILES[name], filters=dict(filters),
                               require=scenario.participants, max_change=d.max_year_change)
                for name, year, filters in ((POPULATION, d.population_year, d.population_filters),
                                            (GDP, d.gdp_year, d.gdp_filters)))
        except InputError:
            raise exc from None
