"""Every key a scenario file may hold, described once for its readers.

:mod:`solidarity.inputs.scenario` validates a scenario imperatively, one table at a
time; this module says, per key, its type, what is allowed, its default and
what it means, so that the scenario file reference (``docs/``) is generated
from it. A test holds the two together: every key the validator accepts is
described here, and nothing else. Allowed values of a closed set and most
defaults are read from the enums and the frozen settings themselves, so they
cannot drift from what runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ..schema import DEFAULT_EQUIVALENCE_EUR, Design, FlowsMode, Method, Priority, SolverName, Status, Units
from . import designs
from .scenario import (
    MAX_AMOUNT,
    MAX_TIME_LIMIT,
    AllocationSettings,
    CrisisSettings,
    KeySettings,
    OffsetSettings,
    SolverSettings,
)


@dataclass(frozen=True)
class Key:
    """One scenario key: ``path`` is its key path, with ``CODE`` standing for
    a country (or synthetic unit) code and ``NAME`` for a variant's name."""

    path: str
    type: str
    allowed: str
    default: str
    doc: str


@dataclass(frozen=True)
class Section:
    """A table of the scenario file (``""``: the top of the file)."""

    path: str
    doc: str


def _one_of(enum: type[Enum]) -> str:
    return ", ".join(f'"{e.value}"' for e in enum)


def _q(value: Enum) -> str:
    return f'"{value.value}"'


def _share(x) -> str:
    return f"{float(x):g}"


_AMOUNT = f"from 0 to {MAX_AMOUNT:_}"
_PERSONS = f"whole persons {_AMOUNT}"
_EUROS = f"whole euros {_AMOUNT} (420e6 is read as 420 000 000)"
_FRACTION = "a number from 0 to 1"
_CODE = "a Eurostat two-letter code of a participant (EL for Greece)"

_AMOUNTS_DOC = "relocations (whole persons), financial_eur and alternative_eur (whole euros)"

def _design_sections() -> tuple[Section, ...]:
    """A section per nested table of each design: the design's own words where its module
    gives them (``SECTIONS``), else a generic line."""
    out: dict[str, Section] = {}
    for d in Design:
        own = dict(designs.sections(d))
        for t in dict.fromkeys(k[0].rpartition(".")[0] for k in designs.keys(d)):
            if t:
                out.setdefault(f"design.{d.value}.{t}", Section(
                    f"design.{d.value}.{t}", own.get(t, f"[design.{t}] when kind = \"{d.value}\".")))
        for t, doc in own.items():
            out.setdefault(f"design.{d.value}.{t}", Section(f"design.{d.value}.{t}", doc))
    return tuple(out.values())


SECTIONS: tuple[Section, ...] = (
    Section("", "Keys at the top of the file, above the first [table] header."),
    Section("scenario", "What the scenario is. Required."),
    Section("data", "Which population and GDP figures the key is computed from. All optional: by default "
                    "the bundled Eurostat files, latest year every participant has."),
    Section("key", "The reference key (Art 66, Annex I)."),
    Section("pool", "The adopted pool (Art 57(1)) and the Commission proposal (Art 12(2)). Required."),
    Section("allocation", "How the optimiser orders its objectives and how flows are split (Art 56, 60)."),
    Section("states.CODE", "What the scenario says about one participant. Every key optional."),
    Section("states.CODE.fixed", "A recorded pledge (the Council act's): " + _AMOUNTS_DOC
            + ". Types left out are 0; `fixed = {}` pledges nothing. Excludes min, max, preferred and mix."),
    Section("states.CODE.min", "Floors per type: " + _AMOUNTS_DOC + "."),
    Section("states.CODE.max", "Caps per type: " + _AMOUNTS_DOC + "."),
    Section("states.CODE.preferred", "A stated preference in amounts per type: " + _AMOUNTS_DOC
            + " (money: the rest)."),
    Section("states.CODE.mix", "A stated preference as shares of the obligation; they add up to 1."),
    Section("beneficiaries.CODE", "A benefitting state and its needs (Art 58, 60(2))."),
    Section("beneficiaries.CODE.needs", "Needs per type: " + _AMOUNTS_DOC + "; types left out are 0."),
    Section("offsets", "Responsibility offsets (Art 63); every threshold is a [param]."),
    Section("crisis", "A Solidarity Response Plan (Regulation (EU) 2024/1359, Art 4, 8, 9)."),
    Section("crisis.additional", "Additional pledges for the plan, per state."),
    Section("solver", "Which solver runs the optimiser, and its limits."),
    Section("design", "Which design the scenario runs: the adopted Pact (default) or one the EU tried or "
                      "proposed before it; the other keys belong to that design (see its section)."),
    *(Section(f"design.{d.value}", f"Keys of [design] when kind = \"{d.value}\".") for d in Design
      if designs.keys(d)),
    # a design's nested tables ([design.pledges.CODE] ...): the design's own words where it gives
    # them (SECTIONS), else one generic section each
    *_design_sections(),
    Section("variants.NAME", "A variant: a block mirroring the file's tables, applied with `--variant NAME`. "
                             "Precedence: command line over variant over file over defaults."),
)


def _amount_keys(table: str, default: str) -> tuple[Key, ...]:
    return (
        Key(f"{table}.relocations", "whole number", _PERSONS, default, "relocations, in persons"),
        Key(f"{table}.financial_eur", "whole number", _EUROS, default, "financial contributions, in EUR"),
        Key(f"{table}.alternative_eur", "whole number", _EUROS, default,
            "alternative measures (operational support), valued in EUR"),
    )


_K, _A, _O, _C, _S = KeySettings(), AllocationSettings(), OffsetSettings(), CrisisSettings("", 0), SolverSettings()

KEYS: tuple[Key, ...] = (
    Key("participants", "array of codes", "country codes, each once (synthetic units: U00001, ...)",
        "EU-27 minus DK (26 states)", "the states bound by the solidarity mechanism; required for synthetic units"),
    Key("scenario.name", "string", "any text", "the file's name", "shown in every summary. Required."),
    Key("scenario.year", "whole number", f"{min(designs.FIRST_YEAR.values())} to 2100", "none: required",
        f"the annual cycle: from {designs.FIRST_YEAR[Design.AMMR]} for the adopted Pact; a design the EU tried "
        "before it may start earlier (" + ", ".join(f"{d.value} {y}" for d, y in designs.FIRST_YEAR.items()
                                                    if d is not Design.AMMR) + ")"),
    Key("scenario.description", "string", "any text", '""', "a line on what the scenario is"),
    Key("scenario.units", "string", _one_of(Units), _q(Units.COUNTRIES),
        "what the participants are: Eurostat countries, or synthetic units (`solidarity synthetic`)"),
    Key("data.population_year", "whole number", "1990 to 2100", "the latest year every participant has",
        "year of the population on 1 January (Eurostat demo_pjan)"),
    Key("data.gdp_year", "whole number", "1990 to 2100", "the latest year every participant has",
        "year of GDP at current market prices (Eurostat nama_10_gdp, B1GQ, CP_MEUR)"),
    Key("data.population_file", "string", "a path, relative to the scenario file: Eurostat TSV, SDMX-CSV 1.0/2.0 "
        "or tidy CSV, gzipped or not", "the bundled data/population.csv", "population figures"),
    Key("data.gdp_file", "string", "as population_file", "the bundled data/gdp.csv", "GDP figures"),
    Key("data.population_vintage", "string", "any text", "the vintage the file records",
        "the release of the population figures, as recorded in meta"),
    Key("data.gdp_vintage", "string", "any text", "the vintage the file records",
        "the release of the GDP figures, as recorded in meta"),
    Key("data.max_year_change", "number", "0, or a factor of 1 or more", "2",
        "a state's value may change by at most this factor from the previous year in the same file (a larger "
        "change looks like a truncated or mistyped figure and is refused); 0 accepts any change"),
    Key("data.population_filters", "table", 'Eurostat dimension = "code", such as { sex = "T", age = "TOTAL" }',
        'age = "TOTAL", sex = "T", unit = "NR" (for the dimensions the file has)',
        "which rows of a multi-dimensional Eurostat file to read; a code given replaces its dimension's default"),
    Key("data.gdp_filters", "table", 'Eurostat dimension = "code", such as { unit = "CP_MEUR" }',
        'unit = "CP_MEUR", na_item = "B1GQ" (for the dimensions the file has)',
        "which rows of a multi-dimensional Eurostat file to read; a code given replaces its dimension's default"),
    Key("key.population_weight", "number", _FRACTION + "; the two weights add up to 1",
        _share(_K.weights["population"]), "weight of the population share (the other: 1 minus it)"),
    Key("key.gdp_weight", "number", _FRACTION + "; the two weights add up to 1",
        _share(_K.weights["gdp_meur"]), "weight of the GDP share"),
    Key("key.method", "string", ", ".join(f'"{m.value}"' for m in Method if m is not Method.PER_STATE), _q(_K.method),
        "apportionment of R to whole persons for the relocations_apportioned column (ceiling: its total "
        "exceeds R)"),
    Key("pool.relocations", "whole number", _PERSONS, "none: required", "R, the pool in persons (Art 57(1))"),
    Key("pool.financial_eur", "whole number", _EUROS, "none: required",
        "F, the same pool in EUR (0: a pool stated in persons only, worth R x e)"),
    Key("pool.equivalence_eur", "whole number", "whole euros per relocation, at least 1",
        f"F / R in whole euros (halves up); {DEFAULT_EQUIVALENCE_EUR:_} without money",
        "[param] e, the EUR value of one relocation (recital 15)"),
    Key("pool.sar_share", "number", _FRACTION, "0",
        "[param] indicative share of the obligations made available to search-and-rescue states (Art 57(2)): "
        "a target, not a floor"),
    Key("pool.redistribute_deductions", "boolean", "true, false", "false",
        "[param] deducted amounts are shared among the other states instead of shrinking the pool "
        "(Art 61, 62)"),
    Key("pool.proposal_relocations", "whole number", _PERSONS, "the adopted relocations",
        "the Commission proposal's relocations (Art 12(2)(a)), which Art 63(1) refers to; flagged below "
        "30 000"),
    Key("pool.proposal_financial_eur", "whole number", _EUROS, "the adopted financial_eur",
        "the Commission proposal's EUR (Art 12(2)(b)); flagged below EUR 600 million"),
    Key("allocation.priority", "string", _one_of(Priority), _q(_A.priority),
        "[param] preferences: a state's stated mix before the beneficiaries' needs; needs: the reverse"),
    Key("allocation.flows", "string", _one_of(FlowsMode), _q(_A.flows),
        "[param] who sends to whom: proportional to calls and receipts (Art 60(3)), or few pairs"),
    Key("states.CODE.status", "string", _one_of(Status), _q(Status.NONE),
        "the state's status in the cycle (Commission decision, Art 11; Art 59)"),
    Key("states.CODE.deduction", "number", _FRACTION, "0; 1 for a benefitting state (Art 60(3))",
        "full or partial deduction of the fair share (Art 61, 62)"),
    Key("states.CODE.fixed", "table", "relocations, financial_eur, alternative_eur", "not recorded",
        "the recorded pledge (source recorded)"),
    Key("states.CODE.min", "table", "relocations, financial_eur, alternative_eur", "no floor",
        "floors per type (source stated)"),
    Key("states.CODE.max", "table", "relocations, financial_eur, alternative_eur", "no cap",
        "caps per type (source stated)"),
    Key("states.CODE.preferred", "table", "relocations, financial_eur, alternative_eur", "nothing stated",
        "preferred amounts (source stated); excludes mix"),
    Key("states.CODE.mix", "table", "relocation, financial, alternative: shares adding up to 1",
        "nothing stated", "preferred shares of the obligation (source stated); excludes preferred"),
    Key("states.CODE.note", "string", "any text", '""', "free text, shown beside the state"),
    Key("states.CODE.implemented", "number", _FRACTION, "1",
        "share of what the state is called on for that it implements in the year (Art 60(3)); money in full"),
    Key("states.CODE.credit_eur", "whole number", _EUROS, "0",
        "crisis credit usable in this cycle (Regulation (EU) 2024/1359, Art 9); set by `solidarity cycle`"),
    Key("states.CODE.carried_relocations", "whole number", _PERSONS, "0",
        "relocation pledges left unimplemented from earlier cycles; set by `solidarity cycle`"),
    # Whole euros rather than a share of the money: a share needs the money
    # pledge, which for a state the model chooses for is known only after the
    # solve; an amount is what a state earmarks (and what the tables report).
    Key("states.CODE.third_country_eur", "whole number", _EUROS + "; at most fixed.financial_eur for a recorded "
        "pledge, at most max.financial_eur for a cap", "0",
        "money earmarked for actions in or in relation to third countries (Art 56(2)(b), Art 64): counted in the "
        "fair share like any money, not distributed to the benefitting states; without a recorded pledge, a "
        "floor on the state's money (source stated)"),
    *_amount_keys("states.CODE.fixed", "0"),
    *_amount_keys("states.CODE.min", "no floor"),
    *_amount_keys("states.CODE.max", "no cap"),
    *_amount_keys("states.CODE.preferred", "nothing stated"),
    Key("states.CODE.mix.relocation", "number", _FRACTION, "0", "share of the obligation as relocations"),
    Key("states.CODE.mix.financial", "number", _FRACTION, "0", "share of the obligation as money"),
    Key("states.CODE.mix.alternative", "number", _FRACTION, "0",
        "share of the obligation as alternative measures"),
    Key("beneficiaries.CODE.needs", "table", "relocations, financial_eur, alternative_eur", "no needs",
        "what the state needs, per type (alternative measures: only what it requested, Art 57(2))"),
    Key("beneficiaries.CODE.sar", "boolean", "true, false", "false",
        "a search-and-rescue disembarkation state, for the SAR share (Art 57(2))"),
    Key("beneficiaries.CODE.note", "string", "any text", '""', "free text"),
    *_amount_keys("beneficiaries.CODE.needs", "0"),
    Key("offsets.voluntary_share", "number", _FRACTION, _share(_O.voluntary_share),
        "[param] Art 63(1): voluntary offsets open when relocation pledges reach this share of the "
        "Commission proposal's relocations"),
    Key("offsets.state_share", "number", _FRACTION, _share(_O.state_share),
        "[param] Art 63(2)(b): a state may use them when its relocations are worth this share of its fair share"),
    Key("offsets.needs_share", "number", _FRACTION, _share(_O.needs_share),
        "[param] Art 63(3)(a): share of the identified relocation needs"),
    Key("offsets.identified_needs", "whole number", _PERSONS, "the beneficiaries' relocation needs",
        "[param] identified relocation needs for Art 63(3)(a)"),
    Key("offsets.reference_relocations", "whole number", _PERSONS, "the adopted pool's relocations",
        "[param] Art 63(3)(b): the reference number of relocations"),
    Key("crisis.state", "string", _CODE, "none: required", "the state in crisis"),
    Key("crisis.relocations", "whole number", _PERSONS, "none: required",
        "relocation needs of the Solidarity Response Plan"),
    Key("crisis.additional", "table", "CODE = whole persons", "no additional pledges",
        "additional pledges, the plan's second source (Art 9)"),
    Key("crisis.additional.CODE", "whole number", _PERSONS, "0", "one state's additional pledge, in persons"),
    Key("crisis.credit_years", "whole number", "1 to 20", str(_C.credit_years),
        "cycles over which offsets above a fair share are credited back (Art 9)"),
    Key("solver.name", "string", _one_of(SolverName), _q(_S.name),
        "backend: HiGHS through highspy, through scipy, or through PuLP; CBC bundled with PuLP"),
    Key("solver.time_limit", "number", f"seconds above 0, at most {MAX_TIME_LIMIT:_} (a year)", "no limit",
        "for all the solver's levels together"),
    Key("solver.mip_gap", "number", _FRACTION, _share(_S.mip_gap), "relative gap at which a level stops"),
    Key("design.kind", "string", _one_of(Design), _q(Design.AMMR),
        "the design: the adopted Pact (Regulation (EU) 2024/1351), the 2015 relocation decisions, the 2016 "
        "Dublin IV proposal or the 2020 Pact proposal"),
    *(Key(f"design.{d.value}.{path}", *rest) for d in Design for path, *rest in designs.keys(d)),
)
