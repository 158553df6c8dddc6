"""Stage 2: the distribution key (Art 66 and Annex I AMMR).

``share_i = sum_k w_k * x_ik / sum_j x_jk`` over the participant set, with
weights ``w`` summing to 1. The default is 50 % population and 50 % GDP.

Three forms of the same formula:

* :func:`reference_key` -- one scenario, pandas in and out (float64);
* :func:`batched_key` -- many scenarios at once, a numpy array per scenario
  batch (weights and participant sets may differ per scenario);
* :func:`exact_key` -- exact rationals, used for apportionment and euros so
  that published integers never depend on floating-point rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping

import numpy as np
import pandas as pd

from .apportionment import Apportionment, apportion
from .schema import GDP, GEO, POPULATION, Method


def _check_weights(weights: Mapping[str, float], columns) -> None:
    unknown = set(weights) - set(columns)
    if unknown:
        raise KeyError(f"weights for indicators not given: {sorted(unknown)}")


def reference_key(indicators: pd.DataFrame, weights: Mapping[str, float]) -> pd.Series:
    """Key shares for the rows of ``indicators`` (index: country code).

    Parameters
    ----------
    indicators : one column per indicator, one row per participant.
    weights : indicator name -> weight; weights should sum to 1.

    Returns
    -------
    Series of shares (float64) indexed like ``indicators``, named ``key_share``.
    """
    _check_weights(weights, indicators.columns)
    names = list(weights)
    x = indicators[names].to_numpy(dtype=float)
    w = np.array([weights[n] for n in names], dtype=float)
    share = batched_key(x, w[None, :])[0]
    return pd.Series(share, index=indicators.index.rename(GEO), name="key_share")


def batched_key(values: np.ndarray, weights: np.ndarray,
                participants: np.ndarray | None = None) -> np.ndarray:
    """Key shares for a batch of scenarios.

    Parameters
    ----------
    values : (n_states, n_indicators) shared by all scenarios, or
        (n_scenarios, n_states, n_indicators).
    weights : (n_scenarios, n_indicators).
    participants : optional (n_scenarios, n_states) boolean mask; a state
        outside a scenario's set gets share 0 and leaves the denominators.

    Returns
    -------
    (n_scenarios, n_states) array; each row sums to 1 over its participants.
    """
    weights = np.atleast_2d(np.asarray(weights, dtype=float))
    vals = np.asarray(values, dtype=float)
    if vals.ndim == 2:
        vals = np.broadcast_to(vals, (weights.shape[0], *vals.shape))
    if participants is None:
        mask = np.ones(vals.shape[:2], dtype=bool)
    else:
        mask = np.asarray(participants, dtype=bool)
    masked = np.where(mask[:, :, None], vals, 0.0)
    totals = masked.sum(axis=1, keepdims=True)  # (S, 1, K)
    return np.einsum("snk,sk->sn", masked / totals, weights)


def exact_key(indicators: Mapping[str, Mapping[str, Fraction]],
              weights: Mapping[str, Fraction]) -> dict[str, Fraction]:
    """The key as exact fractions.

    Parameters
    ----------
    indicators : indicator name -> {country code -> exact value}.
    weights : indicator name -> exact weight.
    """
    geos = sorted(next(iter(indicators.values())))
    totals = {k: sum(indicators[k][g] for g in geos) for k in weights}
    return {g: sum((Fraction(weights[k]) * indicators[k][g] / totals[k] for k in weights),
                   Fraction(0)) for g in geos}


# --- fair shares -------------------------------------------------------------

def _half_up(x: Fraction) -> int:
    """Round to the nearest integer, halves up (documented rounding rule)."""
    return math.floor(x + Fraction(1, 2))


@dataclass(frozen=True)
class FairShares:
    """Fair shares of the pool per participant, with everything behind them.

    ``table`` is indexed by country code; integer columns are exact.
    ``relocations`` is the apportionment of the pool's relocations (its
    ``ties`` are reported); euros are always apportioned by largest remainder
    so that they add up exactly to the pool's financial number.
    """

    table: pd.DataFrame
    relocations: Apportionment
    financial: Apportionment
    rate: int
    key: Mapping[str, Fraction]  #: exact key shares
    redistributed: bool = False


def fair_shares(population: pd.Series, gdp: pd.Series, weights: Mapping[str, Fraction],
                relocations: int, financial_eur: int, rate: int,
                method: Method = Method.HAMILTON,
                deductions: Mapping[str, Fraction] | None = None,
                redistribute: bool = False,
                credits: Mapping[str, int] | None = None) -> FairShares:
    """Fair shares, deductions and obligations for a participant set.

    Parameters
    ----------
    population, gdp : indicator values indexed by country code (the
        participants; the index order does not matter).
    weights : ``{"population": w_p, "gdp_meur": w_g}`` as exact fractions.
    relocations, financial_eur : the pool's reference numbers R and F.
    rate : EUR per relocation (equivalence rate e).
    method : apportionment method for fair-share relocations.
    deductions : country code -> deduction fraction in [0, 1] (Art 61, 62).
    redistribute : give the deducted relocations and euros to the states
        without a deduction, pro rata to the key (largest remainder), instead
        of shrinking the pool.
    credits : country code -> crisis credit in EUR usable this cycle
        (CR Art 9); it reduces the money owed first, then whole relocations.

    Notes
    -----
    Per state, with ``r`` its apportioned relocations and ``f`` its euros:
    fair-share value ``e r + f``; deducted relocations ``round(d r)`` and
    euros ``round(d f)`` (halves up); the indicative contribution is what is
    left (plus any redistributed share, minus any credit), and the obligation
    is its value ``e r' + f'``. All are integers and add up exactly.
    """
    geos = sorted(population.index)
    ind = pd.DataFrame({POPULATION: population.reindex(geos), GDP: gdp.reindex(geos)})
    ind.index.name = GEO
    exact_ind = {k: {g: Fraction(repr(float(v))) for g, v in ind[k].items()} for k in weights}
    share_exact = exact_key(exact_ind, weights)
    share = reference_key(ind, {k: float(w) for k, w in weights.items()})
    reloc = apportion(share_exact, relocations, method)
    money = apportion(share_exact, financial_eur, Method.HAMILTON)
    deductions = {g: Fraction(deductions.get(g, 0)) for g in geos} if deductions else {g: Fraction(0) for g in geos}
    credits = credits or {}
    cut_r = {g: _half_up(deductions[g] * reloc.seats[g]) for g in geos}
    cut_f = {g: _half_up(deductions[g] * money.seats[g]) for g in geos}
    add_r, add_f = {g: 0 for g in geos}, {g: 0 for g in geos}
    takers = {g: share_exact[g] for g in geos if deductions[g] == 0 and share_exact[g] > 0}
    if redistribute and takers:
        add_r.update(apportion(takers, sum(cut_r.values()), Method.HAMILTON).seats)
        add_f.update(apportion(takers, sum(cut_f.values()), Method.HAMILTON).seats)
    rows = []
    for g in geos:
        r, f = reloc.seats[g], money.seats[g]
        r1, f1 = r - cut_r[g] + add_r[g], f - cut_f[g] + add_f[g]
        credit = int(credits.get(g, 0))
        credit_f = min(credit, f1)
        credit_r = min(r1, (credit - credit_f) // rate) if rate else 0
        rows.append({
            GEO: g, POPULATION: ind.at[g, POPULATION], GDP: ind.at[g, GDP],
            "relocations_quota": float(reloc.quotas[g]), "fair_relocations": r,
            "fair_financial_eur": f, "fair_value_eur": rate * r + f,
            "deduction": float(deductions[g]), "deducted_relocations": cut_r[g],
            "deducted_financial_eur": cut_f[g], "deduction_eur": rate * cut_r[g] + cut_f[g],
            "redistributed_relocations": add_r[g], "redistributed_financial_eur": add_f[g],
            "credit_used_eur": credit_f + rate * credit_r,
            "indicative_relocations": r1 - credit_r, "indicative_financial_eur": f1 - credit_f,
            "obligation_eur": rate * (r1 - credit_r) + (f1 - credit_f),
            "apportionment_tie": g in reloc.ties,
        })
    table = pd.DataFrame(rows).set_index(GEO)
    totals = ind.sum()
    table.insert(1, "population_share", ind[POPULATION] / totals[POPULATION])
    table.insert(3, "gdp_share", ind[GDP] / totals[GDP])
    table.insert(4, "key_share", share)
    return FairShares(table=table, relocations=reloc, financial=money, rate=rate,
                      key=share_exact, redistributed=redistribute)
