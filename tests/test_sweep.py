"""Sweeps: parsing --vary, the grid, identical tables for any executor, failed
points as rows, progress on a terminal only (solidarity.studies.sweep, `solidarity sweep`)."""

import contextlib
import importlib.util
import io
import os
import pickle
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from solidarity.cli import app
from solidarity.errors import InputError
from solidarity.inputs.scenario import load_scenario
from solidarity.outputs.report import to_csv
from solidarity.pipeline import run
from solidarity.studies import sweep as sw
from solidarity.studies.sweep import Vary, grid, parse_vary, run_sweep

from .conftest import SCENARIOS

ADOPTED = SCENARIOS / "2026-adopted.toml"
RELOCATIONS = "pool.relocations=15000:30000:750"  # 21 points
HAS_CHARTS = (importlib.util.find_spec("solidarity.outputs.charts") is not None
              and importlib.util.find_spec("matplotlib") is not None)
HAS_DASK = importlib.util.find_spec("distributed") is not None


@contextlib.contextmanager
def deadline(seconds: int):
    """Fail (rather than hang) when the block takes longer than ``seconds``."""
    def expired(signum, frame):
        raise TimeoutError(f"took more than {seconds} s")
    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def same(a, b) -> bool:
    """Equal, arrays included."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(a, b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def csv_bytes(res) -> dict[str, bytes]:
    with res.registered():
        return {f"{name}.csv": to_csv(name, df) for name, df in res.tables.items()}


# --- parse_vary ----------------------------------------------------------------------

@pytest.mark.parametrize("text, path, values", [
    ("pool.relocations=15000:30000:750", "pool.relocations", tuple(range(15000, 30001, 750))),
    ("pool.relocations=15000:29999:1000", "pool.relocations", tuple(range(15000, 29001, 1000))),
    ("pool.relocations = 15_000:30_000:7_500", "pool.relocations", (15000, 22500, 30000)),
    ("pool.relocations=30000:15000:-7500", "pool.relocations", (30000, 22500, 15000)),
    ("pool.relocations=5:5:1", "pool.relocations", (5,)),
    ("pool.relocations=21_000", "pool.relocations", (21000,)),
    ("pool.sar_share=0:0.6:0.1", "pool.sar_share", (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)),
    ("pool.sar_share=0.6:0:-0.2", "pool.sar_share", (0.6, 0.4, 0.2, 0.0)),
    ("pool.sar_share=0.1,0.42", "pool.sar_share", (0.1, 0.42)),
    ("offsets.needs_share=1e-1:3e-1:1e-1", "offsets.needs_share", (0.1, 0.2, 0.3)),
    ("allocation.priority=preferences,needs", "allocation.priority", ("preferences", "needs")),
    ('allocation.flows="compact", proportional', "allocation.flows", ("compact", "proportional")),
    ("pool.redistribute_deductions=false,true", "pool.redistribute_deductions", (False, True)),
    ('states."DE".deduction=0,0.5', "states.DE.deduction", (0, 0.5)),
    ('states."a b".deduction=1', 'states."a b".deduction', (1,)),
])
def test_parse_vary(text, path, values):
    v = parse_vary(text)
    assert (v.path, v.values) == (path, values)
    assert [type(x) for x in v.values] == [type(x) for x in values]  # ints stay ints


def test_decimal_steps_are_exact():
    v = parse_vary("pool.sar_share=0:0.6:0.1")
    assert v.values[3] == 0.3 and repr(v.values[3]) == "0.3"  # not 0.30000000000000004
    assert all(isinstance(x, float) for x in v.values)
    assert parse_vary("x.y=0.1:0.3:0.1").values == (0.1, 0.2, 0.3)  # stop on the grid is included


@pytest.mark.parametrize("text, message", [
    ("pool.relocations", "no '=' between key path and values"),
    ("=1,2", "not a valid key path"),
    ("pool..relocations=1,2", "not a valid key path"),
    ("variants.low.pool.relocations=1,2", "variants cannot be varied"),
    ("pool.relocations=", "no values"),
    ("pool.relocations=1:2", "a range has three parts, start:stop:step, not 2"),
    ("pool.relocations=1:2:3:4", "a range has three parts, start:stop:step, not 4"),
    ("pool.relocations=a:2:1", "the start 'a' is not a number"),
    ("pool.relocations=1::1", "the stop is empty"),
    ("pool.relocations=1:10:x", "the step 'x' is not a number"),
    ("pool.relocations=1:10:0", "the step is 0"),
    ("pool.relocations=10:1:1", "the step 1 goes up, away from the stop 1; use a negative step"),
    ("pool.relocations=1:10:-1", "the step -1 goes down, away from the stop 10; use a positive step"),
    ("pool.relocations=0:10000000:1", "10000001 values; at most 100000 points in a sweep"),
    ("pool.relocations=1,,2", "an empty value in the list"),
    ("pool.relocations=1,2,1", "the value 1 is given twice"),
    ("pool.relocations=25 000", "'25 000' is not a valid value"),
    ("participants=[\"AT\"]", "only single values can be varied"),
    ("pool.sar_share=nan", "'nan' is not a finite number"),
])
def test_parse_vary_errors(text, message):
    with pytest.raises(InputError) as err:
        parse_vary(text)
    text_ = str(err.value)
    assert "--vary" in text_ and message in text_
    assert "allowed: key.path=start:stop:step" in text_
    value = text.split("=", 1)[1].strip() if "=" in text else text
    assert value in text_  # the bad text is shown


def test_grid_is_cartesian_first_vary_slowest():
    g = grid(["a.x=1,2", "a.y=p,q,r"])
    assert g == [{"a.x": 1, "a.y": "p"}, {"a.x": 1, "a.y": "q"}, {"a.x": 1, "a.y": "r"},
                 {"a.x": 2, "a.y": "p"}, {"a.x": 2, "a.y": "q"}, {"a.x": 2, "a.y": "r"}]
    assert grid([Vary("a.x", (3,))]) == [{"a.x": 3}]


@pytest.mark.parametrize("varies, message", [
    ([], "nothing to vary"),
    (["pool.relocations=1,2", "pool.relocations=3"], "overlaps the earlier --vary pool.relocations=1,2"),
    (["pool={relocations=1}", "pool.relocations=3"], None),  # a table is not a single value
    (["states.DE=1", "states.DE.deduction=0,1"], "overlaps the earlier --vary states.DE=1"),
    (["a.x=0:999:1", "a.y=0:999:1", "a.z=0:1:1"], "2000000 grid points"),
])
def test_grid_errors(varies, message):
    with pytest.raises(InputError) as err:
        grid(varies)
    assert "--vary" in str(err.value)
    if message:
        assert message in str(err.value)


def test_sets_and_variant_apply_to_every_point(write):
    path = write("v.toml", ADOPTED.read_text() + "\n[variants.big.pool]\nfinancial_eur = 600_000_000\n")
    res = run_sweep(path, ["pool.relocations=21000,30000"], sets=["offsets.needs_share=0.5"],
                    variant="big", progress=False)
    assert res.points["pool_value_eur"].tolist() == [600_000_000, 600_000_000]
    assert res.points["equivalence_eur"].tolist() == [28_571, 20_000]
    sc = load_scenario(path, ["offsets.needs_share=0.5", "pool.relocations=30000"], "big")
    assert res.points.loc[1, "scenario_digest"] == sc.digest


def test_a_key_cannot_be_set_and_varied():
    with pytest.raises(InputError, match="the same key path as --set pool.relocations=1000"):
        run_sweep(ADOPTED, ["pool.relocations=2000,3000"], sets=["pool.relocations=1000"])


@pytest.mark.parametrize("kwargs, message", [
    ({"executor": "spark"}, "unknown executor"),
    ({"jobs": 0}, "a whole number >= 1"),
    ({"scheduler": "tcp://127.0.0.1:1"}, "a scheduler needs --executor dask"),
    ({"solver": "gurobi"}, "unknown solver"),
])
def test_bad_options(kwargs, message):
    with pytest.raises(InputError, match=message):
        run_sweep(ADOPTED, ["pool.relocations=2000"], **kwargs)


# --- a sweep of 21 points, jobs 1 and 2 ---------------------------------------------------

@pytest.fixture(scope="module")
def jobs1(tmp_path_factory):
    """`solidarity sweep` of 21 points, in process, with --charts."""
    out = tmp_path_factory.mktemp("sweep") / "jobs1"
    charts = out.parent / "charts"
    res = CliRunner().invoke(app, ["sweep", str(ADOPTED), "--vary", RELOCATIONS, "--jobs", "1",
                                   "-o", str(out), "-f", "csv", "--charts", str(charts)])
    return out, charts, res


def test_sweep_writes_the_long_and_points_tables(jobs1):
    out, _, res = jobs1
    assert res.exit_code == 0, res.stderr
    long = pd.read_csv(out / "sweep.csv")
    points = pd.read_csv(out / "sweep_points.csv")
    assert list(long.columns[:3]) == ["point", "pool.relocations", "geo"]
    assert len(points) == 21 and (points["status"] == "ok").all() and points["error"].isna().all()
    assert points["pool.relocations"].tolist() == list(range(15000, 30001, 750))
    assert len(long) == 21 * 26 and long.groupby("point").size().eq(26).all()
    assert (points["pool_relocations"] == points["pool.relocations"]).all()
    # a point's totals are its states' sums
    by_point = long.groupby("point")[["obligation_eur", "pledged_value_eur", "unmet_eur", "offset",
                                      "received_relocations"]].sum()
    assert (by_point["obligation_eur"].to_numpy() == points["obligations_eur"].to_numpy()).all()
    assert (by_point["unmet_eur"].to_numpy() == points["unmet_eur"].to_numpy()).all()
    assert (by_point["offset"].to_numpy() == points["offsets_owed"].to_numpy()).all()
    assert (by_point["received_relocations"].to_numpy() == points["received_relocations"].to_numpy()).all()
    # the adopted pool (21 000) is point 8 and gives what `run` gives
    adopted = points.set_index("pool.relocations").loc[21000]
    assert adopted["pledged_value_eur"] == 254_516_403 and adopted["assumed_value_eur"] == 241_616_403
    assert sorted(os.listdir(out)) == ["manifest.json", "scenario.toml", "sweep.csv", "sweep_points.csv"]
    assert "21 points over pool.relocations; 21 ran and were verified, 0 failed." in res.stdout
    assert "| point | pool.relocations | status |" in res.stdout
    assert "wrote 4 files" in res.stderr and "21 points, 0 failed" in res.stderr


def test_sweep_draws_response_curves_when_charts_exist(jobs1):
    _, charts, res = jobs1
    assert res.exit_code == 0, res.stderr
    if HAS_CHARTS:
        assert any(p.suffix in (".png", ".svg") for p in charts.iterdir())
    else:
        assert "note: no charts drawn" in res.stderr and not charts.exists()


def test_jobs_1_and_2_write_the_same_bytes(jobs1, tmp_path):
    out1, _, _ = jobs1
    out2 = tmp_path / "jobs2"
    res = CliRunner().invoke(app, ["sweep", str(ADOPTED), "--vary", RELOCATIONS, "--jobs", "2",
                                   "-o", str(out2), "-f", "csv"])
    assert res.exit_code == 0, res.stderr
    for name in ("sweep.csv", "sweep_points.csv"):
        assert (out2 / name).read_bytes() == (out1 / name).read_bytes(), name


@pytest.mark.skipif(not HAS_DASK, reason="needs dask[distributed]")
def test_dask_local_cluster_gives_the_same_tables(jobs1):
    out1, _, _ = jobs1
    with deadline(120):
        res = run_sweep(ADOPTED, [RELOCATIONS], executor="dask", jobs=2, progress=False)
    for name, blob in csv_bytes(res).items():
        assert blob == (out1 / name).read_bytes(), name


@pytest.mark.skipif(not HAS_DASK, reason="needs dask[distributed]")
def test_dask_scheduler_address(tmp_path):
    import logging

    import distributed

    # two threads in one worker: solver output silencing must hold under Dask worker threads
    with deadline(120), distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True,
                                                 dashboard_address=None,
                                                 silence_logs=logging.ERROR) as cluster:
        res = run_sweep(ADOPTED, ["pool.relocations=15000,21000,30000"], executor="dask",
                        scheduler=cluster.scheduler_address, progress=False)
        assert cluster.status.name == "running"  # the sweep closed only its own client
    local = run_sweep(ADOPTED, ["pool.relocations=15000,21000,30000"], progress=False)
    assert csv_bytes(res) == csv_bytes(local)


def test_dask_missing_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(InputError, match=r"pip install 'solidarity\[distributed\]'"):
        run_sweep(ADOPTED, ["pool.relocations=21000"], executor="dask", progress=False)


# --- failed points, equality with `run` ---------------------------------------------------------

def test_a_failed_point_is_a_row_with_its_error():
    res = run_sweep(ADOPTED, ["pool.sar_share=0.5:1.5:0.5", "states.DE.min.alternative_eur=0,1000000"],
                    progress=False)
    pts = res.points
    assert pts["status"].tolist() == ["ok", "conflict", "ok", "conflict", "invalid_input", "invalid_input"]
    bad = pts.loc[4, "error"]
    assert bad.startswith("--vary: pool.sar_share = 1.5: too large") and "allowed" in bad
    assert "alternative measures" in pts.loc[1, "error"]  # the conflict, in domain words
    assert (pts.loc[pts.status == "ok", "error"] == "").all()
    assert pts.loc[pts.status != "ok", "pledged_value_eur"].isna().all()
    long = res.long.reset_index()
    assert long.groupby("point").size().tolist() == [26, 1, 26, 1, 1, 1]
    failed = long[long.point == 1].iloc[0]
    assert failed["geo"] == "" and failed["error"] == pts.loc[1, "error"] and pd.isna(failed["unmet_eur"])
    assert res.failed == 4
    from solidarity.outputs.tables import REGISTRY
    assert REGISTRY["sweep"] is sw.SWEEP and "pool.sar_share" not in REGISTRY["sweep"].names  # restored
    assert "pool.sar_share" in res.specs["sweep"].names
    assert pickle.loads(pickle.dumps(res)).points.equals(res.points)


def test_every_point_failing_exits_with_the_error_code(tmp_path):
    res = CliRunner().invoke(app, ["sweep", str(ADOPTED), "--vary", "pool.sar_share=2,3", "-o",
                                   str(tmp_path / "o"), "-f", "csv", "-q"])
    assert res.exit_code == 3
    assert "every point failed; point 0: --vary: pool.sar_share = 2" in res.stderr
    assert (tmp_path / "o" / "sweep_points.csv").is_file()


def test_points_equal_solidarity_run(write):
    """Data and keys loaded once and shipped give what `run` gives, bit for bit."""
    text = ADOPTED.read_text().replace("gdp_weight = 0.5\n", "")
    path = write("weights.toml", text)
    varies = ["key.population_weight=0.3,0.5", "data.population_year=2024,2025",
              "pool.relocations=15000,30000"]
    res = run_sweep(path, varies, progress=False)
    assert (res.points["status"] == "ok").all()
    for i, values in enumerate(grid(varies)):
        sc = load_scenario(path, [f"{k}={v}" for k, v in values.items()])
        cols, totals = sw._extract(run(sc))
        got = res.long.loc[i].reset_index()
        for c in sw._LONG_FIELDS:
            want = [v if b or c not in sw._RECEIVED else None
                    for v, b in zip(cols[c], cols["_beneficiary"])]
            plain = [None if x is pd.NA else x for x in got[c].tolist()]
            assert plain == want, (values, c)  # floats too: exactly equal
        assert res.points.loc[i, list(sw._POINT_FIELDS)].tolist() == list(totals), values
        assert res.points.loc[i, "scenario_digest"] == sc.digest


def test_results_pickle_and_solver_silencing_is_thread_safe():
    """Points solved in threads (as Dask worker threads do) give the same
    rows as in turn, and fd 1 is restored."""
    v = parse_vary("pool.relocations=15000:30000:3750")
    plan = sw._plan(ADOPTED, (v,), grid([v]), (), None, None)
    shared = plan.shared
    assert pickle.loads(pickle.dumps(shared)).keys.keys() == shared.keys.keys()
    tasks, failed = plan.tasks(range(len(plan.points)))
    assert not failed
    before = os.fstat(1)
    serial = sw.run_chunk(shared, tasks)
    with ThreadPoolExecutor(4) as pool:
        threaded = [r for chunk in pool.map(lambda t: sw.run_chunk(shared, [t]), tasks) for r in chunk]
    assert same(threaded, serial) and len(serial) == 5
    after = os.fstat(1)
    assert (before.st_dev, before.st_ino) == (after.st_dev, after.st_ino)
    t = tasks[0]
    assert pickle.loads(pickle.dumps(t)).scenario == t.scenario
    result = sw.run_point(t.scenario, *shared.data[t.data_id], shared.keys[t.key_id])
    assert pickle.loads(pickle.dumps(result)).tables["pool"].equals(result.tables["pool"])


# --- progress ------------------------------------------------------------------------------

def test_progress_bar_on_a_terminal():
    from rich.console import Console

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=100)
    run_sweep(ADOPTED, ["pool.relocations=15000,21000,30000"], progress=console)
    shown = buf.getvalue()
    assert "sweep" in shown and "3/3" in shown and "━" in shown


def test_progress_callback_and_none_when_not_a_terminal():
    seen = []
    run_sweep(ADOPTED, ["pool.relocations=15000,21000", "pool.sar_share=0.5,7"],
              progress=lambda done, total: seen.append((done, total)))
    assert [d for d, _ in seen] == [1, 2, 3, 4] and {t for _, t in seen} == {4}
    from rich.console import Console

    buf = io.StringIO()
    run_sweep(ADOPTED, ["pool.relocations=21000"], progress=Console(file=buf))  # not a terminal
    assert buf.getvalue() == ""


BAR = ("━", "\r", "\x1b[")


def _cli(*args):
    return [sys.executable, "-m", "solidarity", "sweep", str(ADOPTED), *args]


def test_no_progress_when_piped(tmp_path):
    res = subprocess.run(_cli("--vary", "pool.relocations=15000,21000", "-o", str(tmp_path / "o"),
                              "-f", "csv"), capture_output=True, text=True, timeout=300, check=False)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("2 points over pool.relocations")
    assert not any(c in res.stdout for c in BAR) and not any(c in res.stderr for c in BAR)


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_progress_on_a_terminal_stderr_and_never_on_stdout(tmp_path):
    import pty  # noqa: F401 - POSIX only

    def run_on_pty(*extra):
        master, slave = os.openpty()
        proc = subprocess.Popen(_cli("--vary", "pool.relocations=15000,21000", "-o",
                                     str(tmp_path / "o"), "-f", "csv", "--force", *extra),
                                stdout=subprocess.PIPE, stderr=slave, env={**os.environ, "COLUMNS": "100"})
        os.close(slave)
        chunks = []

        def drain():
            while True:
                try:
                    data = os.read(master, 4096)
                except OSError:
                    return
                if not data:
                    return
                chunks.append(data)
        reader = threading.Thread(target=drain)
        reader.start()
        out, _ = proc.communicate(timeout=300)
        reader.join(10)
        os.close(master)
        return proc.returncode, out.decode(), b"".join(chunks).decode(errors="replace")

    code, out, err = run_on_pty()
    assert code == 0, err
    assert "━" in err and "2/2" in err  # the bar, on the terminal
    assert not any(c in out for c in BAR) and out.startswith("2 points over pool.relocations")
    code, out, err = run_on_pty("--quiet")
    assert code == 0 and "━" not in err and "wrote" not in err


def test_jobs_from_a_script_on_stdin(tmp_path):
    """``python - <<EOF`` names its main module '<stdin>', which workers would
    try to run as a file (BrokenProcessPool before); the same sweep with two
    workers gives the tables of one."""
    script = ("from solidarity.studies.sweep import run_sweep\n"
              f"r = run_sweep({str(ADOPTED)!r}, ['pool.relocations=15000,21000'], jobs=2)\n"
              "one = run_sweep(" + repr(str(ADOPTED)) + ", ['pool.relocations=15000,21000'], jobs=1)\n"
              "assert all(r.tables[k].equals(one.tables[k]) for k in one.tables), 'jobs changed the tables'\n"
              "print(len(r.points), r.failed)\n")
    res = subprocess.run([sys.executable, "-"], input=script, capture_output=True, text=True, timeout=300,
                         cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(SCENARIOS.parent)})
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout == "2 0\n"
