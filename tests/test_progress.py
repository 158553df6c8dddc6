"""The solver levels of a long run, shown on stderr (solidarity.cli.progress)."""

from __future__ import annotations

import io
import time

from typer.testing import CliRunner

import solidarity
from solidarity.cli import app
from solidarity.cli.progress import LevelProgress
from solidarity.optimise import solve as S
from solidarity.optimise.model import build
from solidarity.pipeline import compute_shares, load_data, model_input
from solidarity.schema import SolverName

from .conftest import SCENARIOS


def _problem():
    sc = solidarity.load_scenario(SCENARIOS / "2026-adopted.toml")
    return build(model_input(sc, compute_shares(sc, *load_data(sc))))


def test_verbose_prints_a_line_per_level_with_the_one_before():
    out = io.StringIO()
    res = S.solve(_problem(), SolverName.HIGHS, progress=LevelProgress(verbose=True, stream=out))
    lines = out.getvalue().splitlines()
    solved = [t.name for t in res.trace if t.method != "skipped"]
    assert [ln.split()[2] for ln in lines] == solved
    assert f"; {solved[0]} " in lines[1] and "none" not in lines[1]


def test_terminal_status_only_after_the_delay():
    out = io.StringIO()
    show = LevelProgress(after=0.05, stream=out, terminal=True)
    show("needs", [("unmet", 0.01)])
    time.sleep(0.4)  # the level outlasts the delay: the status line appears
    show(None, [("unmet", 0.01), ("needs", 0.4)])
    assert "solving level needs" in out.getvalue() and "unmet 0.01 s" in out.getvalue()
    quick = io.StringIO()
    show = LevelProgress(after=5.0, stream=quick, terminal=True)
    show("needs", [])
    show(None, [("needs", 0.0)])
    assert quick.getvalue() == ""


def test_nothing_off_a_terminal_without_verbose():
    out = io.StringIO()
    S.solve(_problem(), SolverName.HIGHS, progress=LevelProgress(stream=out, terminal=False))
    assert out.getvalue() == ""


def test_cli_verbose(tmp_path):
    res = CliRunner().invoke(app, ["run", str(SCENARIOS / "2026-adopted.toml"), "-o", str(tmp_path / "o"),
                                   "--verbose", "-f", "csv"])
    assert res.exit_code == 0, res.output
    assert "solving level unmet (" in res.stderr and "solving level balance" in res.stderr


def test_lp_first_reaches_every_level_value_of_the_milps():
    """The LP-first path (forced on these small pools) proves the same
    optimum at every level as the MILPs, on every bundled scenario."""
    from .conftest import BUNDLED

    for path in BUNDLED:
        sc = solidarity.load_scenario(path)
        prob = build(model_input(sc, compute_shares(sc, *load_data(sc))))
        fast = S.solve(prob, SolverName.HIGHS, lp_first=True)
        slow = S.solve(prob, SolverName.HIGHS, lp_first=False)
        assert fast.status is slow.status and fast.objective == slow.objective, path.name
        assert any(t.method == "lp" for t in fast.trace), path.name
