"""`solidarity key`: the distribution key and fair shares, without optimisation."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..errors import InputError, Problem
from .common import (
    Debug,
    Force,
    Formats,
    OutDir,
    Quiet,
    app,
    fail,
    print_tables,
    render_files,
    require_extras,
    say,
    say_data_years,
    session,
    set_debug,
    write_files,
)


def _codes(text: str | None) -> tuple[str, ...]:
    """--participants, checked as a scenario's participants are (same hints)."""
    from ..inputs.scenario import check_participants
    from ..schema import DEFAULT_PARTICIPANTS

    if text is None:
        return DEFAULT_PARTICIPANTS
    codes = [p.strip() for p in text.replace(" ", ",").split(",") if p.strip()]
    parts, problems = check_participants(codes)
    if problems:  # name the option, not a position in a list
        raise InputError([Problem(p.file, "--participants", p.value, p.message, p.allowed) for p in problems])
    return parts


def _key_pool(relocations, financial_eur, equivalence_eur, method):
    """The key command's pool and method, checked as a scenario's are.

    The rule of scenario overrides (:func:`solidarity.inputs.scenario.keep_rate`):
    from the default pool (21 000 relocations, EUR 420 million), changing R
    alone or F alone keeps the rate (--equivalence-eur, default EUR 20 000) and
    derives the other unit; giving both sets the rate to F / R.
    """
    import math
    from fractions import Fraction

    from ..inputs.scenario import check_pool
    from ..schema import DEFAULT_EQUIVALENCE_EUR

    rate = equivalence_eur or DEFAULT_EQUIVALENCE_EUR
    doc: dict = {}
    if equivalence_eur is not None:
        doc["equivalence_eur"] = equivalence_eur
    if relocations is not None and financial_eur is not None:
        doc.update(relocations=relocations, financial_eur=financial_eur)
    elif financial_eur is not None:
        r = math.floor(Fraction(financial_eur, rate) + Fraction(1, 2))
        doc.update(relocations=r, financial_eur=financial_eur, equivalence_eur=rate)
    else:
        r = 21_000 if relocations is None else relocations
        doc.update(relocations=r, financial_eur=r * rate, equivalence_eur=rate)
    pool, meth, problems = check_pool(doc, method)
    names = {"pool.relocations": "--relocations", "pool.financial_eur": "--financial-eur",
             "pool.equivalence_eur": "--equivalence-eur", "key.method": "--method", "pool": "--relocations"}
    if problems:
        raise InputError([Problem("command line", names.get(p.key, p.key), p.value, p.message, p.allowed)
                          for p in problems])
    return pool, meth


@app.command()
def key(population_year: Annotated[Optional[int], typer.Option(
            help="Population year (default: latest complete).")] = None,
        gdp_year: Annotated[Optional[int], typer.Option(help="GDP year (default: latest complete).")] = None,
        participants: Annotated[Optional[str], typer.Option(
            help="Comma-separated country codes (default: EU-27 minus DK).")] = None,
        relocations: Annotated[Optional[int], typer.Option(min=0, help="Pool relocations R (default 21 000).")] = None,
        financial_eur: Annotated[Optional[int], typer.Option(
            min=0, help="Pool money F, EUR (default: R x the equivalence rate; alone, R = F / the rate).")] = None,
        equivalence_eur: Annotated[Optional[int], typer.Option(
            min=1, help="EUR per relocation (default EUR 20 000, or F / R when both are given).")] = None,
        method: Annotated[str, typer.Option(
            help="Apportionment of R: hamilton, webster, dhondt, huntington_hill or ceiling.")] = "hamilton",
        population_weight: Annotated[float, typer.Option(min=0.0, max=1.0,
                                                         help="Weight of population; GDP gets the rest.")] = 0.5,
        output: OutDir = None, fmt: Formats = None, force: Force = False, quiet: Quiet = False,
        debug: Debug = False) -> None:
    """Print the distribution key and each state's fair share (no optimisation).

    Defaults: the 2026 adopted pool (21 000 relocations or EUR 420 million),
    the latest bundled data, 50 % population and 50 % GDP. As with a
    scenario's --set, changing --relocations alone or --financial-eur alone
    keeps the rate (EUR 20 000 per relocation, or --equivalence-eur) and
    derives the other unit; giving both sets the rate to F / R.

    Example: solidarity key --participants DE,FR,IT,ES --relocations 1000 -f md
    """
    set_debug(debug)
    session["quiet"] = quiet
    try:
        from fractions import Fraction

        from ..inputs.data import load_indicator
        from ..numbers import eur
        from ..outputs.report import shares_table
        from ..pact.key import fair_shares
        from ..schema import GDP, POPULATION

        require_extras(fmt, None)
        parts = _codes(participants)
        pool, meth = _key_pool(relocations, financial_eur, equivalence_eur, method)
        r = pool.relocations
        pop = load_indicator(POPULATION, year=population_year, require=parts)
        gdp = load_indicator(GDP, year=gdp_year, require=parts)
        say_data_years(pop, gdp)
        wp = Fraction(repr(population_weight))
        fs = fair_shares(pop.values[list(parts)], gdp.values[list(parts)], {POPULATION: wp, GDP: 1 - wp},
                         pool.value_eur, r, pool.rate, method=meth)
        if fs.relocations.ties:
            say(f"note: apportionment ties decided by the tie rule: {' '.join(fs.relocations.ties)}")
        say(f"population {pop.year} ({pop.vintage}); GDP {gdp.year} ({gdp.vintage}); "
             f"{eur(pool.rate)} per relocation")
        tables = {"shares": shares_table(fs, None, pop, gdp)}
        if output is None:
            print_tables(tables, fmt)
        else:
            write_files(render_files(tables, fmt, "Fair shares"), output, force, "key", "", [])
    except BaseException as exc:
        fail(exc)
