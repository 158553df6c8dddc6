"""Inputs that ask for a lot: amounts beyond 32 bits, deep documents, huge grids and pools (issue 19)."""

import errno
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solidarity.errors import OutputError
from solidarity.optimise.allocate import _fill_any, _fill_any_exact


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(0, 2**62), st.data())
def test_exact_fill_meets_the_margins_of_any_feasible_matrix(R, C, scale, data):
    """Margins taken from a matrix with some forbidden cells are met exactly,
    in Python integers, whatever their size (csgraph stops at 2**31)."""
    allowed = np.array(data.draw(st.lists(st.lists(st.booleans(), min_size=C, max_size=C),
                                          min_size=R, max_size=R)), dtype=bool)
    cells = data.draw(st.lists(st.integers(0, 1000), min_size=R * C, max_size=R * C))
    x = np.array(cells, dtype=object).reshape(R, C) * (scale // 1000 + 1) * allowed
    a, y = x.sum(axis=1).astype(np.int64), x.sum(axis=0).astype(np.int64)
    got = _fill_any_exact(a, y, allowed)
    assert (got.sum(axis=1) == a).all() and (got.sum(axis=0) == y).all()
    assert (got[~allowed] == 0).all() and (got >= 0).all()


def test_fill_beyond_two_to_the_31_does_not_overflow():
    a = np.array([41_438_298_399, 49_311_135_770, 3_000_000_000], dtype=np.int64)
    y = np.array([49_311_135_770 + 3_000_000_000, 41_438_298_399], dtype=np.int64)
    allowed = np.array([[False, True], [True, False], [True, True]])
    got = _fill_any(a, y, allowed)
    assert (got.sum(axis=1) == a).all() and (got.sum(axis=0) == y).all() and got[0, 0] == got[1, 1] == 0


def _cli(args, **kw):
    from typer.testing import CliRunner

    from solidarity.cli import app
    res = CliRunner().invoke(app, args, **kw)
    text = res.stdout + res.stderr
    assert "Traceback" not in text and "internal error" not in text, text
    return res.exit_code, text


@pytest.mark.parametrize("module, args, said", [
    ("openpyxl", ["run", "scenarios/2026-adopted.toml", "-f", "xlsx", "-o", "OUT"], "-f xlsx needs openpyxl"),
    ("openpyxl", ["key", "-f", "xlsx", "-o", "OUT"], "pip install 'solidarity[xlsx]'"),
    ("openpyxl", ["compare", "scenarios/2026-adopted.toml", "scenarios/2026-adopted.toml", "-f", "xlsx",
                  "-o", "OUT"], "-f xlsx needs openpyxl"),
    ("matplotlib", ["sweep", "scenarios/2026-adopted.toml", "--vary", "pool.relocations=20000,21000",
                    "-o", "OUT", "--charts", "OUT2"], "--charts needs matplotlib"),
    ("matplotlib", ["run", "scenarios/2026-adopted.toml", "-o", "OUT", "--charts", "OUT2"],
     "--charts needs matplotlib")])
def test_a_missing_extra_is_named_before_anything_runs(module, args, said, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, module, None)  # import fails as when not installed
    root = Path(__file__).parents[1]
    args = [str(root / a) if a.startswith("scenarios/") else str(tmp_path / a) if a.startswith("OUT") else a
            for a in args]
    code, text = _cli(args)
    assert code == 3 and said in text, text
    assert not any(tmp_path.iterdir())  # nothing written


def test_stdout_on_a_full_device_is_exit_7(monkeypatch):
    from solidarity.cli import common

    class Full:
        def write(self, text):
            raise OSError(errno.ENOSPC, "No space left on device")

        def flush(self):
            pass

        def fileno(self):
            raise ValueError("no descriptor")
    monkeypatch.setattr(sys, "stdout", Full())
    with pytest.raises(OutputError, match="cannot write stdout: the disk is full"):
        common.emit("text")


def test_synthetic_on_a_full_disk_leaves_no_truncated_file(tmp_path, monkeypatch):
    import os
    real = os.fsync
    calls = []

    def fsync(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd)
    monkeypatch.setattr(os, "fsync", fsync)
    code, text = _cli(["synthetic", "-c", "10", "-b", "2", "-o", str(tmp_path / "p")])
    assert code == 7 and "the disk is full" in text, text
    assert list((tmp_path / "p").iterdir()) == []


def test_a_cycle_file_entry_outside_its_folder_is_not_read(tmp_path):
    (tmp_path / "c.toml").write_text('[cycle]\nscenarios = ["../../../../../../../../etc/shadow"]\n')
    code, text = _cli(["cycle", str(tmp_path / "c.toml"), "-o", str(tmp_path / "o")])
    assert code == 3 and "outside the trusted folders" in text


def test_charts_that_cannot_be_written_leave_no_tables(tmp_path):
    pytest.importorskip("matplotlib")
    root = Path(__file__).parents[1]
    (tmp_path / "a-file").write_text("not a folder")
    for charts in ("/proc/solidarity-no-such/charts", str(tmp_path / "a-file")):
        code, text = _cli(["run", str(root / "scenarios/2026-adopted.toml"), "-o", str(tmp_path / "out"),
                           "-f", "csv", "--charts", charts])
        assert code == 7 and "cannot write" in text, text
        assert not (tmp_path / "out").exists()


def test_charts_inside_the_output_folder_appear_with_the_tables(tmp_path):
    pytest.importorskip("matplotlib")
    root = Path(__file__).parents[1]
    code, text = _cli(["run", str(root / "scenarios/2026-adopted.toml"), "-o", str(tmp_path / "out"),
                       "-f", "csv", "--charts", str(tmp_path / "out" / "charts")])
    assert code == 0, text
    import json
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert any(k.startswith("charts/") and k.endswith(".png") for k in manifest["outputs"])
    assert (tmp_path / "out" / "pool.csv").is_file()


HEAD = '[scenario]\nname = "deep"\nyear = 2026\n[pool]\nrelocations = 1\nfinancial_eur = 1\n[key]\n'


@pytest.mark.parametrize("value, where", [
    ("[" * 100_000 + "]" * 100_000, "file"),  # tomllib's own recursion
    ("{a = " * 50_000 + "1" + "}" * 50_000, "file"),
    ("[" * 40 + "]" * 40, "key.x[0]"),  # parsed, then too deep for the validator
])
def test_deep_nesting_is_an_input_error(tmp_path, value, where):
    f = tmp_path / "deep.toml"
    f.write_text(HEAD + "x = " + value + "\n")
    code, text = _cli(["validate", str(f)])
    assert code == 3 and f"{f}: {where}" in text and "nested more than 32 levels deep" in text, text


def test_a_long_string_is_an_input_error(tmp_path):
    f = tmp_path / "long.toml"
    f.write_text(HEAD.replace('"deep"', '"' + "x" * 200_000 + '"'))
    code, text = _cli(["validate", str(f)])
    assert code == 3 and "scenario.name = 'xxxx" in text and "a string of 200_000 characters" in text, text


def test_synthetic_too_large_is_refused_at_once():
    import time
    start = time.monotonic()
    code, text = _cli(["synthetic", "-c", "1000000000000", "-b", "10", "-o", "/nonexistent/never"])
    assert code == 3 and "needs about 1.3 PB of memory" in text
    assert time.monotonic() - start < 1
