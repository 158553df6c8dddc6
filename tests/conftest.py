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
