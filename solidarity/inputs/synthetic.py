"""Seeded synthetic pools, large enough to allocate among regions or municipalities.

:func:`generate` draws a pool of ``contributors`` participating units, of
which ``beneficiaries`` are benefitting units (the model's ``n x m``), with
spreads like those of EU regions and municipalities:

* population log-normal, its mean the EU's 450 million over the units (a
  handful of units look like member states, thousands like municipalities);
  GDP per head log-normal and correlated with population (larger units tend
  to be richer); GDP in whole tenths of a million EUR, as Eurostat publishes;
* the pool: ``R = max(21 000, 30 x contributors)`` relocations or
  ``F = R x EUR 20 000`` by default (the 2026 pool for 26 units);
* a few units *recorded* (a fixed pledge: mixed, money only, or nothing, as
  HU and SK in 2026), some *stated* (a mix, preferred amounts, floors or
  caps), most *assumed* (nothing stated: the model chooses); deductions
  (Art 61, 62) for some;
* beneficiaries drawn among the units: most fully deducted by default
  (Art 60(3)), a few with a partial or no deduction, so that they also
  contribute; needs by type (relocations, money, and alternative measures
  for some) sized so that the pool's obligations cover a drawn 60-120 % of
  the needs' value; some SAR beneficiaries and a ``sar_share``.

Unit codes are ``U`` and a zero-padded number (``U00001``): not Eurostat
country codes, so a scenario file naming them is only accepted by a
validator that knows synthetic units (the file says ``[scenario] units =
"synthetic"``). :func:`to_inputs` therefore builds the frozen
:class:`~solidarity.inputs.scenario.Scenario` and the
:class:`~solidarity.inputs.data.Indicator` objects directly, and :func:`solidarity.pipeline.run_stages`
runs the pipeline's stages on them exactly as :func:`solidarity.pipeline.run`
does. :func:`to_files` writes ``scenario.toml``, ``population.csv`` and
``gdp.csv`` (the project's tidy format); the same arguments give
byte-identical files.

Example::

    from solidarity.pipeline import run_stages
    from solidarity.inputs.synthetic import generate, to_inputs
    pool = generate(1000, 100, seed=1)
    result = run_stages(to_inputs(pool))      # a verified pipeline.Result
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "EU_POPULATION",
    "UNIT_PREFIX",
    "SyntheticInputs",
    "SyntheticPool",
    "gdp_csv",
    "generate",
    "population_csv",
    "to_files",
    "to_inputs",
    "to_toml",
    "unit_codes",
]

#: Prefix of synthetic unit codes (``U00001``); never a Eurostat country code.
UNIT_PREFIX = "U"
#: Population the units add up to on average (the EU's, about 450 million).
EU_POPULATION = 450_000_000
#: EUR of GDP per head at the median unit (about the EU's).
GDP_PER_HEAD_EUR = 37_000
_RATE = 20_000
_POP_UNIT = "persons on 1 January"
_GDP_UNIT = "million EUR, current prices"


@dataclass(frozen=True, eq=False)
class SyntheticPool:
    """A generated pool: units, their indicators, and the scenario document.

    ``document`` is the scenario as plain TOML values (what
    ``scenario.toml`` holds, and what :func:`tomllib.loads` reads back);
    ``population`` (persons) and ``gdp_tenths`` (tenths of a million EUR)
    are aligned with ``codes``. ``facts`` records what was drawn (counts,
    the coverage aimed at and the one reached by the obligations).
    """

    codes: tuple[str, ...]
    population: np.ndarray  # (n,) int64, persons
    gdp_tenths: np.ndarray  # (n,) int64, tenths of a million EUR
    document: Mapping[str, Any]
    seed: int
    population_year: int
    gdp_year: int
    facts: Mapping[str, Any] = field(default_factory=dict)

    @property
    def gdp_meur(self) -> np.ndarray:
        """GDP in million EUR (floats equal to the decimals the file holds)."""
        return self.gdp_tenths / 10.0

    @property
    def contributors(self) -> int:
        return len(self.codes)

    @property
    def beneficiaries(self) -> tuple[str, ...]:
        return tuple(self.document["beneficiaries"])

    def __repr__(self) -> str:
        f = self.facts
        return (f"<SyntheticPool seed {self.seed}: {len(self.codes)} units x "
                f"{len(self.beneficiaries)} beneficiaries; recorded {f.get('recorded')}, stated "
                f"{f.get('stated')}, assumed {f.get('assumed')}; obligations cover "
                f"{f.get('coverage', 0):.0%} of needs>")


@dataclass(frozen=True, eq=False)
class SyntheticInputs:
    """What the pipeline's stages need, in memory (see :func:`solidarity.pipeline.run_stages`)."""

    scenario: Any  # solidarity.inputs.scenario.Scenario
    population: Any  # solidarity.inputs.data.Indicator
    gdp: Any  # solidarity.inputs.data.Indicator


def unit_codes(count: int) -> tuple[str, ...]:
    """``U00001`` .. : zero-padded to at least 5 digits, so that they sort in
    numeric order."""
    width = max(5, len(str(count)))
    return tuple(f"{UNIT_PREFIX}{i:0{width}d}" for i in range(1, count + 1))


def _share(x: float, name: str) -> float:
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"{name} must be a fraction from 0 to 1, not {x!r}")
    return float(x)


def _decimal(x: Fraction) -> float:
    """A fraction with a short decimal form as the float TOML writes and
    reads; ``Fraction(repr(result)) == x`` (asserted)."""
    v = float(x)
    assert Fraction(repr(v)) == x, x
    return v


#: Peak memory per unit of generating a pool and writing its files, measured
#: (ru_maxrss growth: 1 240 bytes per unit at 20 000 units, 870 at 200 000,
#: 10 beneficiaries; rounded up).
BYTES_PER_UNIT = 1300


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux ``MemAvailable``;
    else the physical memory), None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        import os
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return None


def memory_problem(contributors: int, beneficiaries: int, share: float = 0.8) -> str | None:
    """Why a pool of this size would not fit in ``share`` of the available
    memory (None: it fits, or the memory is unknown), checked before any
    allocation."""
    need = (contributors + beneficiaries) * BYTES_PER_UNIT
    have = available_memory()
    if have is None or need <= share * have:
        return None
    fits = int(share * have) // BYTES_PER_UNIT
    return (f"needs about {_size(need)} of memory ({BYTES_PER_UNIT} bytes per unit, measured), more than "
            f"{share:.0%} of the {_size(have)} available; at most about {fits:_} units fit on this machine")


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{n:.3g} {unit}" if unit != "bytes" else f"{int(n)} bytes"
        n /= 1000
    return ""  # pragma: no cover


def generate(contributors: int, beneficiaries: int, seed: int = 0, *, year: int = 2026,
             name: str | None = None, rate: int = _RATE, relocations: int | None = None,
             coverage: float | None = None, recorded: float = 0.05, stated: float = 0.15,
             deducted: float = 0.05, contributing_beneficiaries: float = 0.1,
             sar: float = 0.25, sar_share: float | None = None, alternative: float = 0.2,
             population_sigma: float = 1.1, gdp_sigma: float = 0.45, correlation: float = 0.3,
             time_limit: float | None = None) -> SyntheticPool:
    """Draw a synthetic pool; the same arguments give the same pool.

    Parameters
    ----------
    contributors : participating units (the model's ``n``), beneficiaries included; >= 2.
    beneficiaries : benefitting units among them (``m``); from 1 to ``contributors - 1``.
    seed : seed of every draw.
    year : the cycle; population is of ``year - 1``, GDP of ``year - 2``.
    rate : EUR per relocation (``F / R``).
    relocations : the pool's ``R``; default ``max(21 000, 30 x contributors)``.
    coverage : obligations / value of the needs; default drawn from [0.6, 1.2].
    recorded, stated : shares of the non-benefitting units with a recorded
        (fixed) pledge, or a stated mix, preferred amounts, floors or caps;
        the rest state nothing (assumed).
    deducted : share of the units neither recorded nor benefitting with a deduction.
    contributing_beneficiaries : share of the beneficiaries with a partial or
        no deduction (they pledge too); the others are fully deducted by default.
    sar : share of the beneficiaries with SAR disembarkations (at least one
        when there are two or more beneficiaries).
    sar_share : the pool's SAR share; default drawn among 0.1, 0.2, 0.3, 0.42.
    alternative : share of the beneficiaries that request alternative measures.
    population_sigma, gdp_sigma, correlation : log-normal spreads of
        population and GDP per head, and the correlation of their logs.
    time_limit : the scenario's solver time limit in seconds (default none).

    The steps, each with its own random stream (so that changing one leaves
    the others' draws as they were): indicators, the pool's numbers, the
    beneficiaries, the states' settings, the needs.
    """
    n, m = int(contributors), int(beneficiaries)
    _check_arguments(n, m, contributors, beneficiaries, recorded=recorded, stated=stated, deducted=deducted,
                     contributing_beneficiaries=contributing_beneficiaries, sar=sar, alternative=alternative,
                     correlation=correlation, rate=rate, coverage=coverage)
    streams = np.random.SeedSequence([int(seed), n, m]).spawn(5)
    r_ind, r_ben, r_state, r_need, r_pool = (np.random.default_rng(s) for s in streams)
    codes = unit_codes(n)
    population, gdp_tenths = _indicators(r_ind, n, population_sigma, gdp_sigma, correlation)
    R, F, cov, sar_sh = _pool_numbers(r_pool, n, relocations, rate, coverage, sar_share)
    # Fair shares in EUR, estimated with the float key (the pipeline apportions them exactly).
    key = 0.5 * population / population.sum() + 0.5 * gdp_tenths / gdp_tenths.sum()
    fair = key * F
    ben, is_ben, contrib_ben, sar_ben, alt_ben = _beneficiaries(r_ben, n, m, contributing_beneficiaries, sar,
                                                                alternative)
    states, deduction, kinds = _states(r_state, codes, fair, rate, is_ben, contrib_ben, bool(alt_ben),
                                       recorded=recorded, stated=stated, deducted=deducted)
    obligations = float((fair * (1 - deduction)).sum())
    bens = _needs(r_need, codes, ben, obligations / cov, rate, sar_ben, alt_ben)
    value_needs = sum(v["needs"]["relocations"] * rate + v["needs"]["financial_eur"]
                      + v["needs"].get("alternative_eur", 0) for v in bens.values())

    py, gy = year - 1, year - 2
    scenario: dict = {"name": name or f"synthetic {n} x {m} (seed {seed})", "year": year,
                      "description": f"synthetic pool from solidarity.inputs.synthetic: {n} units, {m} "
                                     f"benefitting, seed {seed}",
                      "units": "synthetic"}
    solver: dict = {"name": "highs"}
    if time_limit is not None:
        solver["time_limit"] = float(time_limit)
    doc = {
        "scenario": scenario,
        "participants": list(codes),
        "data": {"population_file": "population.csv", "gdp_file": "gdp.csv",
                 "population_year": py, "gdp_year": gy},
        "pool": {"relocations": R, "financial_eur": F, "sar_share": _decimal(sar_sh)},
        "states": states,
        "beneficiaries": bens,
        "solver": solver,
    }
    facts = {**kinds, "units": n, "beneficiaries": m, "sar_beneficiaries": len(sar_ben),
             "alternative_requesters": len(alt_ben), "coverage_drawn": cov,
             "coverage": obligations / value_needs, "obligations_eur_estimate": int(obligations),
             "needs_value_eur": value_needs, "relocations": R, "financial_eur": F}
    return SyntheticPool(codes=codes, population=population, gdp_tenths=gdp_tenths, document=doc,
                         seed=int(seed), population_year=py, gdp_year=gy, facts=facts)


def _check_arguments(n: int, m: int, contributors, beneficiaries, *, recorded: float, stated: float,
                     deducted: float, contributing_beneficiaries: float, sar: float, alternative: float,
                     correlation: float, rate: int, coverage: float | None) -> None:
    """:func:`generate`'s arguments, each refused with a ValueError that names it."""
    if n < 2:
        raise ValueError(f"contributors must be at least 2, not {contributors!r}")
    if not 1 <= m <= n - 1:
        raise ValueError(f"beneficiaries must be from 1 to contributors - 1 ({n - 1}), not {beneficiaries!r}")
    for arg, v in (("recorded", recorded), ("stated", stated), ("deducted", deducted),
                   ("contributing_beneficiaries", contributing_beneficiaries), ("sar", sar),
                   ("alternative", alternative)):
        _share(v, arg)
    if recorded + stated > 1:
        raise ValueError("recorded + stated must be at most 1")
    if not -1 < correlation < 1:
        raise ValueError(f"correlation must lie in (-1, 1), not {correlation!r}")
    if rate < 1:
        raise ValueError(f"rate must be a positive whole number of EUR, not {rate!r}")
    if coverage is not None and not coverage > 0:
        raise ValueError(f"coverage must be above 0, not {coverage!r}")


def _indicators(rng: np.random.Generator, n: int, population_sigma: float, gdp_sigma: float,
                correlation: float) -> tuple[np.ndarray, np.ndarray]:
    """Population (persons) and GDP (EUR 100 000s) per unit: log-normal, with
    correlated logs, around the EU's totals per unit."""
    z_pop, z_gdp = rng.standard_normal(n), rng.standard_normal(n)
    mean_pop = EU_POPULATION / n
    pop = np.exp(np.log(mean_pop) - population_sigma ** 2 / 2 + population_sigma * z_pop)
    population = np.maximum(50, np.rint(pop)).astype(np.int64)
    z = correlation * z_pop + math.sqrt(1 - correlation ** 2) * z_gdp
    per_head = np.exp(np.log(GDP_PER_HEAD_EUR) + gdp_sigma * z)
    gdp_tenths = np.maximum(1, np.rint(population * per_head / 1e5)).astype(np.int64)
    return population, gdp_tenths


def _pool_numbers(rng: np.random.Generator, n: int, relocations: int | None, rate: int,
                  coverage: float | None, sar_share: float | None) -> tuple[int, int, float, Fraction]:
    """The pool's R and F, the coverage of the needs and the SAR share."""
    R = int(relocations) if relocations is not None else max(21_000, 30 * n)
    F = R * int(rate)
    cov = float(coverage) if coverage is not None else float(np.round(rng.uniform(0.6, 1.2), 3))
    sar_sh = Fraction(repr(float(sar_share))) if sar_share is not None else \
        Fraction(str(rng.choice(["0.1", "0.2", "0.3", "0.42"])))
    return R, F, cov, sar_sh


def _beneficiaries(rng: np.random.Generator, n: int, m: int, contributing: float, sar: float,
                   alternative: float) -> tuple[np.ndarray, np.ndarray, set, set, set]:
    """Which units benefit, and among them those that pledge too, those with
    SAR disembarkations and those that request alternative measures."""
    ben = np.sort(rng.choice(n, size=m, replace=False))
    is_ben = np.zeros(n, dtype=bool)
    is_ben[ben] = True
    n_contrib_ben = math.floor(contributing * m)
    contrib_ben = set(rng.choice(ben, size=n_contrib_ben, replace=False).tolist()) if n_contrib_ben else set()
    n_sar = max(1, round(sar * m)) if m >= 2 and sar > 0 else 0
    sar_ben = set(rng.choice(ben, size=n_sar, replace=False).tolist()) if n_sar else set()
    n_alt = round(alternative * m)
    alt_ben = set(rng.choice(ben, size=n_alt, replace=False).tolist()) if n_alt else set()
    return ben, is_ben, contrib_ben, sar_ben, alt_ben


def _states(rng: np.random.Generator, codes: tuple[str, ...], fair: np.ndarray, rate: int, is_ben: np.ndarray,
            contrib_ben: set, alt_room: bool, *, recorded: float, stated: float,
            deducted: float) -> tuple[dict[str, dict], np.ndarray, dict[str, int]]:
    """Each unit's settings (a recorded pledge, a stated preference, a
    deduction, or nothing), its deduction and how many units of each kind."""
    n = len(codes)
    states: dict[str, dict] = {}
    deduction = np.zeros(n)
    kinds = {"recorded": 0, "stated": 0, "assumed": 0, "deducted": 0, "contributing_beneficiaries": 0}
    draw = rng.random(n)
    sub = rng.random(n)  # which variant of a kind
    amount = rng.uniform(0.1, 0.5, n)  # in-kind part of a pledge
    paid = rng.uniform(0.9, 1.0, n)  # how much of its fair share a recorded state pledges
    ded_draw = rng.random(n)
    ded_level = rng.choice(np.array([0.25, 0.5, 1.0]), n)
    for i, g in enumerate(codes):
        if is_ben[i]:
            states[g], deduction[i] = _beneficiary_state(i in contrib_ben, sub[i])
            kinds["contributing_beneficiaries"] += i in contrib_ben
            continue
        o = fair[i]
        if draw[i] < recorded:
            kinds["recorded"] += 1
            states[g] = _recorded_state(o, sub[i], amount[i], paid[i], rate)
            continue
        body: dict = {}
        if ded_draw[i] < deducted:
            d = Fraction(repr(float(ded_level[i])))
            body["status"] = "significant_situation"
            body["deduction"] = _decimal(d)
            deduction[i] = float(d)
            kinds["deducted"] += 1
        o *= 1 - deduction[i]
        if draw[i] < recorded + stated:
            kinds["stated"] += 1
            body.update(_stated_settings(rng, o, sub[i], amount[i], rate, alt_room))
        else:
            kinds["assumed"] += 1
        if body:
            states[g] = body
    return states, deduction, kinds


def _beneficiary_state(contributes: bool, sub: float) -> tuple[dict, float]:
    """A benefitting unit's settings and deduction: fully deducted, or (when
    it pledges too) half or not at all."""
    body: dict = {"status": "under_pressure"}
    if not contributes:
        return body, 1.0
    d = Fraction(1, 2) if sub < 0.5 else Fraction(0)
    body["deduction"] = _decimal(d)
    body["note"] = "benefitting, and pledges too"
    return body, float(d)


def _recorded_state(o: float, sub: float, amount: float, paid: float, rate: int) -> dict:
    """A recorded pledge: none, money only, or relocations and money."""
    if sub < 0.2:
        return {"fixed": {}, "note": "made no pledge"}
    if sub < 0.6:
        return {"fixed": {"financial_eur": int(o * paid)}, "note": "money only"}
    r = int(o * amount // rate)
    return {"fixed": {"relocations": r, "financial_eur": max(0, int(o * paid) - r * rate)}}


def _stated_settings(rng: np.random.Generator, o: float, s: float, amount: float, rate: int,
                     alt_room: bool) -> dict:
    """A stated preference: a mix (with a cap on relocations sometimes),
    preferred amounts, no relocations, or a floor of relocations."""
    if s < 0.35:  # a mix
        rel = Fraction(str(rng.choice(["0", "0.2", "0.3", "0.5"])))
        alt = Fraction(1, 10) if alt_room and s < 0.1 else Fraction(0)
        body: dict = {"mix": {"relocation": _decimal(rel), "financial": _decimal(1 - rel - alt),
                              "alternative": _decimal(alt)}}
        if s > 0.3:
            body["max"] = {"relocations": int(o * 0.6 // rate)}
        return body
    if s < 0.6:  # preferred amounts
        r = int(o * amount // rate)
        return {"preferred": {"relocations": r, "financial_eur": max(0, int(o) - r * rate)}}
    if s < 0.85:  # will not relocate
        return {"max": {"relocations": 0}}
    return {"min": {"relocations": math.ceil(o * 0.1 / rate)}}  # a floor of relocations


def _needs(rng: np.random.Generator, codes: tuple[str, ...], ben: np.ndarray, need_value: float, rate: int,
           sar_ben: set, alt_ben: set) -> dict[str, dict]:
    """Each beneficiary's needs: half the value in relocations, 5 % in
    alternative measures where requested, the rest in money, split by
    log-normal weights; and its SAR flag."""
    m = len(ben)
    w = rng.lognormal(0.0, 0.8, m)
    w /= w.sum()
    alt_w = np.array([w[k] if b in alt_ben else 0.0 for k, b in enumerate(ben)])
    alt_total = 0.05 * need_value if alt_ben else 0.0
    rel_total = 0.5 * need_value
    fin_total = need_value - rel_total - alt_total
    bens: dict[str, dict] = {}
    for k, b in enumerate(ben):
        needs = {"relocations": max(1, round(w[k] * rel_total / rate)),
                 "financial_eur": max(1_000, int(round(w[k] * fin_total, -3)))}
        if b in alt_ben:
            needs["alternative_eur"] = max(1_000, int(round(alt_w[k] / alt_w.sum() * alt_total, -3)))
        body: dict = {"needs": needs}
        if b in sar_ben:
            body["sar"] = True
        bens[codes[b]] = body
    return bens


# --- files ------------------------------------------------------------------------

def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return f"{v:_}" if abs(v) >= 100_000 else str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, Mapping):
        return "{" + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"no TOML form for {type(v).__name__}")


def to_toml(pool: SyntheticPool, files: bool = True) -> str:
    """``scenario.toml`` as text: one ``[states.CODE]`` table per unit that
    says something, inline tables for amounts, participants ten per line.
    ``files=False`` leaves out the data files (the data are in memory)."""
    doc = pool.document
    f = pool.facts
    lines = [
        f"# Synthetic pool written by solidarity.inputs.synthetic (seed {pool.seed}).",
        (f"# {f['units']} units, {f['beneficiaries']} benefitting ({f['sar_beneficiaries']} SAR, "
         f"{f['alternative_requesters']} requesting alternative measures, "
         f"{f['contributing_beneficiaries']} also pledging);"),
        (f"# recorded {f['recorded']}, stated {f['stated']}, assumed {f['assumed']}, deductions "
         f"{f['deducted']}; obligations cover about {f['coverage']:.0%} of the needs' value."),
        "# Unit codes are not Eurostat country codes: [scenario] units = \"synthetic\" says so.",
        "",
    ]
    codes = doc["participants"]  # a top-level key: before every table header
    lines += ["participants = ["]
    lines += ["  " + ", ".join(_toml_value(c) for c in codes[i:i + 10]) + ","
              for i in range(0, len(codes), 10)]
    lines += ["]", "", "[scenario]"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in doc["scenario"].items()]
    for table in ("data", "pool", "solver"):
        lines += ["", f"[{table}]"] + [f"{k} = {_toml_value(v)}" for k, v in doc[table].items()
                                       if files or not k.endswith("_file")]
    for g, body in doc["states"].items():
        lines += ["", f"[states.{g}]"] + [f"{k} = {_toml_value(v)}" for k, v in body.items()]
    for b, body in doc["beneficiaries"].items():
        lines += ["", f"[beneficiaries.{b}]"] + [f"{k} = {_toml_value(v)}" for k, v in body.items()]
    return "\n".join(lines) + "\n"


def _vintage(pool: SyntheticPool) -> str:
    return f"synthetic: solidarity.inputs.synthetic seed {pool.seed}"


def population_csv(pool: SyntheticPool) -> str:
    """``population.csv`` in the project's tidy format."""
    v = _vintage(pool)
    rows = [f"{g},synthetic unit {g},{pool.population_year},{int(p)},{_POP_UNIT},{v},"
            for g, p in zip(pool.codes, pool.population.tolist())]
    return "geo,country,year,value,unit,vintage,note\n" + "\n".join(rows) + "\n"


def gdp_csv(pool: SyntheticPool) -> str:
    """``gdp.csv`` in the project's tidy format (million EUR, one decimal)."""
    v = _vintage(pool)
    rows = [f'{g},synthetic unit {g},{pool.gdp_year},{t // 10}.{t % 10},"{_GDP_UNIT}",{v},'
            for g, t in zip(pool.codes, pool.gdp_tenths.tolist())]
    return "geo,country,year,value,unit,vintage,note\n" + "\n".join(rows) + "\n"


def to_files(pool: SyntheticPool, folder: str | Path) -> dict[str, Path]:
    """Write ``scenario.toml``, ``population.csv`` and ``gdp.csv`` into
    ``folder`` (created if needed; files of those names are replaced).
    Returns name -> path."""
    import os


    out = Path(folder)
    texts = {"scenario.toml": to_toml(pool), "population.csv": population_csv(pool),
             "gdp.csv": gdp_csv(pool)}
    paths = {fname: out / fname for fname in texts}
    temps: list[Path] = []
    try:  # each file written beside its place, then all renamed: a full disk leaves no half file
        out.mkdir(parents=True, exist_ok=True)
        for fname, text in texts.items():
            tmp = out / f".{fname}.solidarity-tmp-{os.getpid()}"
            temps.append(tmp)
            with open(tmp, "wb") as fh:
                fh.write(text.encode("utf-8"))
                fh.flush()
                os.fsync(fh.fileno())
        for tmp, p in zip(temps, paths.values()):
            os.replace(tmp, p)
    except OSError as exc:
        from ..errors import output_error
        raise output_error(exc, exc.filename or out) from None
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
    return paths


# --- in memory ----------------------------------------------------------------------

def to_inputs(pool: SyntheticPool) -> SyntheticInputs:
    """The frozen :class:`~solidarity.inputs.scenario.Scenario` (``scenario.toml``'s
    text through the same validator as a file) and both
    :class:`~solidarity.inputs.data.Indicator` objects built in memory."""
    import pandas as pd

    from ..schema import GDP, POPULATION
    from .data import Indicator
    from .scenario import parse_scenario

    scenario = parse_scenario(to_toml(pool, files=False), file=f"<synthetic seed {pool.seed}>/scenario.toml")
    index = pd.Index(pool.codes, name="geo")
    common: dict[str, Any] = dict(vintage=_vintage(pool), source=f"synthetic pool (seed {pool.seed})",
                                  format="synthetic")
    population = Indicator(name=POPULATION, year=pool.population_year, unit=_POP_UNIT,
                           values=pd.Series(pool.population.astype(float), index=index, name=POPULATION),
                           **common)
    gdp = Indicator(name=GDP, year=pool.gdp_year, unit=_GDP_UNIT,
                    values=pd.Series(pool.gdp_meur, index=index, name=GDP), **common)
    return SyntheticInputs(scenario=scenario, population=population, gdp=gdp)
