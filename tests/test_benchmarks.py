"""The benchmark suite's smoke mode: every benchmark once on the smallest size.

Nothing here asserts a time; only that each benchmark ran, its result was
verified and the CSV has every column.
"""

import csv
import importlib.util
import sys

import pytest

from .conftest import ROOT

SUITE = ROOT / "benchmarks" / "suite.py"


@pytest.fixture(scope="module")
def suite():
    spec = importlib.util.spec_from_file_location("benchmarks_suite", SUITE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


@pytest.fixture(scope="module")
def smoke(suite, tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "smoke.csv"
    rows = suite.main(["--smoke", "--csv", str(path)])
    return rows, path


def test_smoke_runs_every_benchmark(smoke):
    rows, _ = smoke
    assert [r["benchmark"] for r in rows] == ["size", "pairwise", "pulp_vs_numpy", "batched_key", "cli"]
    size = rows[0]
    assert size["size"] == "26x4" and size["source"].startswith("real") and size["runs"] == 1
    assert size["variables"] > 0 and size["rows"] > 0 and size["nonzeros"] > 0
    assert all(size[f"{s}_s"] is not None for s in ("data", "build", "solve", "flows", "verify", "write"))
    assert size["level_unmet_s"] is not None


def test_smoke_every_result_verified(smoke):
    rows, _ = smoke
    for r in rows:
        if r["benchmark"] != "pairwise":  # see the next test
            assert r["verified"] is True, (r["benchmark"], r["note"])
    assert rows[0]["proven_optimal"] is True


def test_smoke_pairwise_agrees_with_the_aggregate_formulation(smoke):
    rows, _ = smoke
    pairwise = next(r for r in rows if r["benchmark"] == "pairwise")
    assert pairwise["verified"] is True, pairwise["note"]


def test_smoke_csv_has_every_column(suite, smoke):
    rows, path = smoke
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == suite.COLUMNS
        written = list(reader)
    assert len(written) == len(rows)
    assert [w["benchmark"] for w in written] == [r["benchmark"] for r in rows]
    assert all(w["verified"] in ("True", "False") for w in written)
    assert all(w["verified"] == "True" for w in written if w["benchmark"] != "pairwise")


def test_sizes_parse_and_estimates(suite):
    assert suite.parse_size("20000x500") == (20000, 500)
    assert suite.parse_size("20_000 x 500") == (20000, 500)
    measured = [dict(benchmark="size", contributors=1000, beneficiaries=100, peak_rss_mb=200.0, total_s=1.0,
                     source="synthetic seed 0"),
                dict(benchmark="size", contributors=5000, beneficiaries=200, peak_rss_mb=1100.0, total_s=10.0,
                     source="synthetic seed 0")]
    mem, secs = suite.estimate(measured, 20000, 500)
    assert mem == pytest.approx(1100 + suite.BYTES_PER_PAIR * 9_000_000 / 2**20)
    assert secs == pytest.approx(100.0)  # time linear here: 10x the cells, 10x the time
    assert suite.estimate(measured[:1], 20000, 500) is None
