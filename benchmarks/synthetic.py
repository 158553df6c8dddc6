"""Synthetic pools for benchmarks: n contributors, m receiving units.

Deterministic for a given seed. Obligations and needs are drawn so that the
pool covers about 80 % of the needs, which leaves the distribution levels
real work to do.
"""

from __future__ import annotations

import numpy as np

from solidarity.model import ModelInput


def synthetic_input(n: int, m: int, seed: int = 0, rate: int = 20_000) -> ModelInput:
    rng = np.random.default_rng(seed)
    weight = rng.lognormal(0.0, 1.0, n)
    share = weight / weight.sum()
    R, F = 30 * n, 600_000 * n
    rel = np.floor(share * R).astype(np.int64)
    fin = np.floor(share * F).astype(np.int64)
    obligation = rate * rel + fin
    preferred = np.column_stack([rel, fin, np.zeros(n, dtype=np.int64)])
    upper = np.full((n, 3), -1, dtype=np.int64)
    upper[rng.random(n) < 0.1, 0] = 0  # a tenth of states relocate nobody
    need_w = rng.lognormal(0.0, 0.7, m)
    need_w /= need_w.sum()
    needs = np.column_stack([np.ceil(need_w * R / 0.8), np.ceil(need_w * F / 0.8),
                             np.zeros(m)]).astype(np.int64)
    return ModelInput(
        contributors=tuple(f"C{i:05d}" for i in range(n)),
        beneficiaries=tuple(f"B{j:05d}" for j in range(m)), rate=rate,
        obligation=obligation, preferred=preferred, lower=np.zeros((n, 3), dtype=np.int64),
        upper=upper, needs=needs, sar=np.zeros(m, dtype=bool),
        target_relocations=int(rel.sum()), target_money=int(fin.sum()), sar_reserve=0)
