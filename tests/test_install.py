"""Fresh installs: what each command prints on stdout, and the package as a
wheel on its own.

Each command runs in a fresh process, as a user's would, so that anything a
solver prints the first time it starts (highspy 1.16's banner) would show.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest

from .conftest import ROOT, SCENARIOS

ADOPTED = SCENARIOS / "2026-adopted.toml"
PROPOSAL = SCENARIOS / "2026-commission-proposal.toml"


def _cli(*args, cwd: Path | None = None, exe: list[str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "100"}
    if exe is not None:  # another environment's interpreter: nothing of this tree on its path
        env.pop("PYTHONPATH", None)
    return subprocess.run([*(exe or [sys.executable, "-m", "solidarity"]), *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=600, check=False)


def _ok(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _json(text: str) -> object:
    return json.loads(text)


def _csv(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text)))
    assert rows and all(len(r) == len(rows[0]) for r in rows if r), "ragged CSV"
    return rows


def _markdown(text: str) -> list[str]:
    lines = [line for line in text.splitlines() if line.startswith("|")]
    assert lines and all(line.endswith("|") for line in lines), text[:200]
    return lines


# --- stdout carries exactly what the command promises ------------------------

@pytest.mark.parametrize("solver", ["highs", "scipy", "cbc", "pulp-highs"])
def test_run_quiet_prints_nothing(tmp_path, solver):
    proc = _cli("run", ADOPTED, "-o", tmp_path / "out", "--quiet", "--solver", solver)
    assert _ok(proc) == ""
    assert proc.stderr == ""
    assert (tmp_path / "out" / "shares.csv").is_file()


def test_run_prints_the_summary_without_quiet(tmp_path):
    out = _ok(_cli("run", ADOPTED, "-o", tmp_path / "out"))
    assert out.startswith("2026 adopted pool (2026): 26 participants")
    _markdown(out)


def test_explain_prints_json():
    assert _json(_ok(_cli("explain", ADOPTED, "--state", "BE", "--format", "json")))


def test_explain_prints_text():
    out = _ok(_cli("explain", ADOPTED, "--state", "BE"))
    assert out.startswith("Belgium") or "BE" in out.splitlines()[0]
    assert "HiGHS" not in out and "Copyright" not in out


@pytest.mark.parametrize(("fmt", "parse"), [("json", _json), ("csv", _csv), ("md", _markdown)])
def test_key_prints_its_format(fmt, parse):
    out = _ok(_cli("key", "-f", fmt, "--quiet"))
    parse(out)
    assert "DE" in out


def test_compare_quiet_with_a_folder_prints_nothing(tmp_path):
    assert _ok(_cli("compare", PROPOSAL, ADOPTED, "-o", tmp_path / "cmp", "--quiet")) == ""
    assert (tmp_path / "cmp" / "compare_states.csv").is_file()


def test_compare_without_a_folder_prints_the_comparison():
    out = _ok(_cli("compare", PROPOSAL, ADOPTED, "--quiet"))
    assert "DE" in out and "HiGHS" not in out


def test_sweep_quiet_prints_nothing(tmp_path):
    proc = _cli("sweep", ADOPTED, "--vary", "pool.relocations=20000,21000", "-o", tmp_path / "sw", "--quiet")
    assert _ok(proc) == ""
    assert (tmp_path / "sw" / "sweep_points.csv").is_file()


def test_sweep_with_workers_prints_only_its_summary(tmp_path):
    out = _ok(_cli("sweep", ADOPTED, "--vary", "pool.relocations=20000,21000", "-o", tmp_path / "sw",
                   "--jobs", "2"))
    assert out.startswith("2 points over pool.relocations")
    assert "HiGHS" not in out and "Copyright" not in out


def test_cycle_quiet_prints_nothing(tmp_path):
    assert _ok(_cli("cycle", SCENARIOS / "ledger-3y", "-o", tmp_path / "cyc", "--quiet")) == ""
    assert (tmp_path / "cyc" / "ledger.csv").is_file()


def test_verify_prints_one_line(tmp_path):
    _ok(_cli("run", ADOPTED, "-o", tmp_path / "out", "--quiet"))
    out = _ok(_cli("verify", tmp_path / "out"))
    assert out.count("\n") == 1 and "verifies" in out


def test_example_prints_a_scenario():
    doc = tomllib.loads(_ok(_cli("example", "2026-adopted")))
    assert doc["pool"]["relocations"] == 21_000


def test_version_names_the_solver_and_libraries():
    out = _ok(_cli("--version"))
    first, second = out.splitlines()
    assert first.startswith("solidarity ")
    for dist in ("python", "numpy", "scipy", "pandas", "pyarrow", "pulp", "highspy"):
        assert f"{dist} " in second


# --- examples shipped inside the package --------------------------------------

def test_example_lists_every_bundled_scenario():
    names = _ok(_cli("example")).split()
    # folders are examples too: a cycle of years, and the other designs' scenarios
    assert set(names) == {p.stem for p in SCENARIOS.glob("*.toml")} | {"ledger-3y", "designs"}


def test_example_writes_a_file_that_runs(tmp_path):
    target = tmp_path / "my-scenario.toml"
    _ok(_cli("example", "2026-adopted", "-o", target))
    assert target.read_bytes() == ADOPTED.read_bytes()
    assert _ok(_cli("run", target, "-o", tmp_path / "out", "--quiet")) == ""


def test_example_refuses_to_overwrite(tmp_path):
    target = tmp_path / "mine.toml"
    target.write_text("# my own work\n")
    proc = _cli("example", "2026-adopted", "-o", target)
    assert proc.returncode == 7
    assert "the file exists" in proc.stderr and "--force" in proc.stderr
    assert target.read_text() == "# my own work\n"
    _ok(_cli("example", "2026-adopted", "-o", target, "--force"))
    assert target.read_bytes() == ADOPTED.read_bytes()


def test_example_unknown_name_lists_the_examples():
    proc = _cli("example", "2015-relocation")
    assert proc.returncode == 3
    assert "no such example" in proc.stderr and "2026-adopted" in proc.stderr


def test_example_cycle_needs_a_folder(tmp_path):
    proc = _cli("example", "ledger-3y")
    assert proc.returncode == 3 and "--output DIR" in proc.stderr
    _ok(_cli("example", "ledger-3y", "-o", tmp_path / "led"))
    assert sorted(p.name for p in (tmp_path / "led").glob("*.toml")) == ["2026.toml", "2027.toml", "2028.toml"]
    assert _ok(_cli("cycle", tmp_path / "led", "-o", tmp_path / "cyc", "--quiet")) == ""


# --- the wheel, installed without the source tree -----------------------------

@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """sdist and wheel as `python -m build` makes them (the wheel from the sdist)."""
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return out


def test_sdist_holds_every_subpackage_and_data_file(dist):
    import tarfile

    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for path in ROOT.joinpath("solidarity").rglob("*.py"):
        assert str(path.relative_to(ROOT)) in names
    assert {"solidarity/_data/population.csv", "solidarity/_data/gdp.csv",
            "solidarity/_scenarios/2026-adopted.toml", "solidarity/_scenarios/ledger-3y/2027.toml"} <= names


def test_wheel_runs_in_a_fresh_environment(dist, tmp_path):
    """The wheel alone, in a new virtual environment, from a folder with no
    source tree: dependencies come from the machine's site-packages (the ones
    the test suite runs with), the package only from the wheel."""
    (wheel,) = dist.glob("*.whl")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    bin_dir = env_dir / "bin"
    # --force-reinstall: the same version may be installed (editable) in the
    # machine's site-packages, which pip would otherwise take as satisfying it.
    pip = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--no-deps", "--no-index", "-q",
                          "--force-reinstall", str(wheel)], capture_output=True, text=True, timeout=600, check=False)
    assert pip.returncode == 0, pip.stderr
    work = tmp_path / "elsewhere"
    work.mkdir()
    where = _ok(_cli("-c", "import solidarity; print(solidarity.__file__)", cwd=work,
                     exe=[str(bin_dir / "python")]))
    assert where.startswith(str(env_dir)), where
    exe = [str(bin_dir / "solidarity")]
    assert _ok(_cli("--version", cwd=work, exe=exe)).startswith("solidarity ")
    assert "DE" in _ok(_cli("key", "--quiet", cwd=work, exe=exe))
    _ok(_cli("example", "2026-adopted", "-o", "mine.toml", cwd=work, exe=exe))
    assert _ok(_cli("run", "mine.toml", "-o", "out", "--quiet", cwd=work, exe=exe)) == ""
    assert _ok(_cli("verify", "out", cwd=work, exe=exe)).count("verifies") == 1
