from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
GOLDEN = Path(__file__).resolve().parent / "golden"
BUNDLED = sorted(SCENARIOS.glob("*.toml"))


@pytest.fixture
def write(tmp_path):
    """Write a text file under tmp_path and return its path."""
    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path
    return _write


MINIMAL = """
[scenario]
name = "minimal"
year = 2026
[pool]
relocations = 21000
financial_eur = 420000000
"""


def relocation_pool(supply: dict, needs: dict, rate: int = 10, sar=(), sar_reserve: int = 0):
    """A relocation-only ModelInput: each contributor owes and prefers exactly
    its supply of relocations; beneficiaries need only relocations."""
    import numpy as np

    from solidarity.optimise.model import ModelInput

    n, m = len(supply), len(needs)
    s = np.array(list(supply.values()), dtype=np.int64)
    zeros = np.zeros(n, dtype=np.int64)
    return ModelInput(
        contributors=tuple(supply), beneficiaries=tuple(needs), rate=rate, obligation=s * rate,
        preferred=np.column_stack([s, zeros, zeros]), lower=np.zeros((n, 3), dtype=np.int64),
        upper=np.full((n, 3), -1), needs=np.column_stack(
            [np.array(list(needs.values()), dtype=np.int64), np.zeros((m, 2), dtype=np.int64)]),
        sar=np.array([b in sar for b in needs], dtype=bool), target_relocations=int(s.sum()),
        target_money=0, sar_reserve=sar_reserve)


def solved(inp):
    """Build, solve and extract; returns the Solution."""
    from solidarity.optimise.model import build, extract
    from solidarity.optimise.solve import solve

    prob = build(inp)
    return extract(prob, solve(prob).x, inp)
