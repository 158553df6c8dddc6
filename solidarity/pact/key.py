"""Stage 2: the distribution key (Art 66 and Annex I AMMR).

``share_i = sum_k w_k * x_ik / sum_j x_jk`` over the participant set, with
weights ``w`` summing to 1. The default is 50 % population and 50 % GDP.

Three forms of the same formula:

* :func:`reference_key` -- one scenario, pandas in and out (float64);
* :func:`batched_key` -- many scenarios at once, a numpy array per scenario
  batch (weights and participant sets may differ per scenario);
* :func:`exact_key` -- exact rationals, used for apportionment and euros so
  that published integers never depend on floating-point rounding.

:func:`fair_shares` turns the key into each state's fair share of the pool
(one obligation in EUR, Art 56 and 57(1)), deductions and obligations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import cast

import numpy as np
import pandas as pd

from ..schema import GDP, GEO, POPULATION, Method
from .apportionment import Apportionment, apportion, half_up


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
    # C order, so the sums over states run in the same order whatever layout
    # the caller's array has (pairwise summation follows the memory layout).
    masked = np.ascontiguousarray(np.where(mask[:, :, None], vals, 0.0))
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

def ceil_div(a: int, b: int) -> int:
    """``ceil(a / b)`` for whole numbers, ``b > 0``."""
    return -(-a // b)


@dataclass(frozen=True)
class FairShares:
    """Fair shares of the pool per participant, with everything behind them.

    ``table`` is indexed by country code; integer columns are exact.
    ``euros`` apportions the pool's value in EUR by largest remainder (the
    fair shares, adding up exactly to it); ``relocations`` apportions the
    pool's R by the chosen method (a column for users who need persons that
    add up to R; not an obligation).
    """

    table: pd.DataFrame
    euros: Apportionment
    relocations: Apportionment
    rate: int
    key: Mapping[str, Fraction]  #: exact key shares
    redistributed: bool = False

    @property
    def pool_value_eur(self) -> int:
        return self.euros.house


def fair_shares(population: pd.Series, gdp: pd.Series, weights: Mapping[str, Fraction],
                value_eur: int, relocations: int, rate: int,
                method: Method = Method.HAMILTON,
                deductions: Mapping[str, Fraction] | None = None,
                redistribute: bool = False,
                credits: Mapping[str, int] | None = None,
                key: tuple[pd.Series, Mapping[str, Fraction]] | None = None) -> FairShares:
    """Fair shares, deductions and obligations for a participant set.

    Parameters
    ----------
    population, gdp : indicator values indexed by country code (the
        participants; the index order does not matter).
    weights : ``{"population": w_p, "gdp_meur": w_g}`` as exact fractions.
    value_eur : the pool in EUR (F; or R x e for a pool without money).
    relocations : the pool's R, apportioned for the ``relocations_apportioned`` column.
    rate : EUR per relocation (equivalence rate e).
    method : apportionment method for ``relocations_apportioned``.
    deductions : country code -> deduction fraction in [0, 1] (Art 61, 62).
    redistribute : give the deducted euros to the states without a
        deduction, pro rata to the key (largest remainder), instead of
        shrinking the pool.
    credits : country code -> crisis credit in EUR usable this cycle (CR Art 9).
    key : the key already computed, as (float shares, exact shares) (a sweep
        computes many at once with :func:`batched_key`); default: from the data.

    Notes
    -----
    A state's fair share is one obligation (Art 56, 57(1)): ``V = share x
    value_eur`` apportioned to whole euros that add up exactly to the pool,
    payable in any mix of relocations (``e`` each), money and alternative
    measures. Its relocation equivalent is ``ceil(V / e)``, the smallest
    number of persons whose value covers it. A deduction ``d`` removes
    ``round(d x V)`` euros (halves up); a credit is used up to what is left.
    """
    geos = sorted(population.index)
    ind = pd.DataFrame({POPULATION: population.reindex(geos), GDP: gdp.reindex(geos)})
    ind.index.name = GEO
    share_exact: Mapping[str, Fraction]
    if key is None:
        exact_ind = {k: {cast(str, g): Fraction(repr(float(v))) for g, v in ind[k].items()} for k in weights}
        share_exact = exact_key(exact_ind, weights)
        share = reference_key(ind, {k: float(w) for k, w in weights.items()})
    else:
        share, share_exact = key[0].reindex(geos).rename("key_share"), key[1]
    euros = apportion(share_exact, value_eur, Method.HAMILTON)
    reloc = apportion(share_exact, relocations, method)
    ded = {g: Fraction(deductions.get(g, 0)) for g in geos} if deductions else {g: Fraction(0) for g in geos}
    credits = credits or {}
    cut = {g: half_up(ded[g] * euros.seats[g]) for g in geos}
    add = {g: 0 for g in geos}
    takers = {g: share_exact[g] for g in geos if ded[g] == 0 and share_exact[g] > 0}
    if redistribute and takers and sum(cut.values()):
        add.update(apportion(takers, sum(cut.values()), Method.HAMILTON).seats)
    rows = []
    for g in geos:
        v = euros.seats[g]
        left = v - cut[g] + add[g]
        used = min(int(credits.get(g, 0)), left)
        owed = left - used
        rows.append({
            GEO: g, POPULATION: ind.at[g, POPULATION], GDP: ind.at[g, GDP],
            "fair_share_eur": v, "fair_share_relocations": ceil_div(v, rate),
            "relocations_quota": float(reloc.quotas[g]), "relocations_apportioned": reloc.seats[g],
            "deduction": float(ded[g]), "deduction_eur": cut[g], "redistributed_eur": add[g],
            "credit_used_eur": used, "obligation_eur": owed,
            "obligation_relocations": ceil_div(owed, rate),
            "apportionment_tie": g in reloc.ties,
        })
    table = pd.DataFrame(rows).set_index(GEO)
    totals = ind.sum()
    table.insert(1, "population_share", ind[POPULATION] / totals[POPULATION])
    table.insert(3, "gdp_share", ind[GDP] / totals[GDP])
    table.insert(4, "key_share", share)
    return FairShares(table=table, euros=euros, relocations=reloc, rate=rate,
                      key=share_exact, redistributed=redistribute)
