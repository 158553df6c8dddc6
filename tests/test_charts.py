"""Charts: valid PNG and SVG, byte-identical reruns, every state labelled."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
from html import unescape

import pandas as pd
import pytest

pytest.importorskip("matplotlib")

from solidarity.outputs import charts
from solidarity.outputs.charts import compare_charts, label, run_charts, sweep_charts

from .conftest import SCENARIOS

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def adopted():
    from solidarity.inputs.scenario import load_scenario
    from solidarity.pipeline import run

    return run(load_scenario(SCENARIOS / "2026-adopted.toml"))


@pytest.fixture(scope="module")
def crisis():
    from solidarity.inputs.scenario import load_scenario
    from solidarity.pipeline import run

    return run(load_scenario(SCENARIOS / "crisis-frontline.toml"))


@pytest.fixture(scope="module")
def drawn(adopted):
    return run_charts(adopted)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def png_dpi(data: bytes) -> float | None:
    i = data.find(b"pHYs")
    if i < 0:
        return None
    ppm_x, _, unit = struct.unpack(">IIB", data[i + 4:i + 13])
    return ppm_x * 0.0254 if unit == 1 else None


def svg_texts(data: bytes) -> str:
    """All text of an SVG (it must parse as XML), one string."""
    root = ET.fromstring(data)
    assert root.tag.endswith("svg")
    return "\n".join(unescape("".join(el.itertext())) for el in root.iter() if el.tag.endswith("text"))


def check_pair(files: dict[str, bytes], stem: str) -> str:
    png, svg = files[f"{stem}.png"], files[f"{stem}.svg"]
    w, h = png_size(png)
    assert 600 < w < 4000 and 300 < h < 4000
    dpi = png_dpi(png)
    assert dpi is None or abs(dpi - 150) < 1
    assert png.rstrip(b"\x00").endswith(b"IEND\xaeB`\x82")
    return svg_texts(svg)


def test_run_charts_files(drawn):
    stems = {name.rsplit(".", 1)[0] for name in drawn}
    assert {"obligations", "flows", "beneficiaries", "offsets"} <= stems  # offsets are triggered in 2026
    assert "crisis" not in stems
    for stem in stems:
        assert {f"{stem}.png", f"{stem}.svg"} <= set(drawn)
        check_pair(drawn, stem)
    for name in drawn:
        assert stem_caption(name.rsplit(".", 1)[0])


def stem_caption(stem: str) -> str:
    return charts.CAPTIONS.get(stem, "")


def test_every_state_labelled(drawn, adopted):
    participants = list(adopted.tables["shares"].index)
    assert len(participants) == 26
    for stem in ("obligations", "flows", "offsets"):
        text = check_pair(drawn, stem)
        missing = [g for g in participants if label(g) not in text]
        assert not missing, (stem, missing)
        for g in participants:  # one row label per state
            assert len(re.findall(re.escape(label(g)) + r"(?!\w)", text)) >= 1
    text = check_pair(drawn, "beneficiaries")
    for b in ("CY", "EL", "ES", "IT"):
        assert label(b) in text


def test_units_and_sources_in_legend(drawn):
    text = check_pair(drawn, "obligations")
    assert "EUR million" in text and "% of the state" in text
    for src in ("recorded", "stated", "assumed"):
        assert src in text
    assert "unmet obligation" in text and "obligation" in text
    flows = check_pair(drawn, "flows")
    assert "Relocations, persons" in flows and "Financial contributions, EUR million" in flows
    assert "persons" in check_pair(drawn, "offsets")


def test_byte_identical_rerun(drawn, adopted):
    again = run_charts(adopted)
    assert list(again) == list(drawn)
    for name in drawn:
        assert again[name] == drawn[name], name


def test_no_dates_and_text_kept(drawn):
    svg = drawn["obligations.svg"].decode("utf-8")
    assert "<dc:date>" not in svg
    assert "font-family" in svg and "sans-serif" in svg  # text as text, with fallbacks
    assert b"tIME" not in drawn["obligations.png"]


def test_global_matplotlib_state_untouched(adopted):
    import matplotlib

    before = (matplotlib.get_backend(), matplotlib.rcParams["svg.hashsalt"], matplotlib.rcParams["svg.fonttype"])
    charts.charts_from_tables({k: v for k, v in adopted.tables.items() if k in ("obligations", "pledges",
                                                                                "shares", "meta", "pool")})
    after = (matplotlib.get_backend(), matplotlib.rcParams["svg.hashsalt"], matplotlib.rcParams["svg.fonttype"])
    assert before == after


def test_crisis_chart(crisis):
    files = run_charts(crisis)
    assert {"crisis.png", "crisis.svg"} <= set(files)
    assert "offsets.png" not in files  # no mandatory offsets in that scenario
    text = check_pair(files, "crisis")
    for g in crisis.tables["crisis"].index:
        assert label(g) in text
    assert "Greece (EL)" in text and "8\u2009000 of 8\u2009000" in text


def _deltas() -> pd.DataFrame:
    rows = []
    for metric, base in (("obligation_eur", {"DE": 91_080_039, "FR": 67_228_662, "MT": 546_930}),
                         ("pledged_relocations", {"DE": 2399, "FR": 1770, "MT": 14})):
        for lab, k in (("base", None), ("bigger", 1.25), ("smaller", 0.5)):
            for g, v in base.items():
                value = v if k is None else round(v * k)
                rows.append({"geo": g, "metric": metric, "label": lab, "value": value,
                             "delta": None if k is None else value - v})
    d = pd.DataFrame(rows)
    d["delta"] = d["delta"].astype("Float64")
    return d


def test_compare_charts():
    d = _deltas()
    files = compare_charts(d)
    assert set(files) == {f"compare_{m}.{e}" for m in ("obligation_eur", "pledged_relocations")
                          for e in ("png", "svg")}
    text = check_pair(files, "compare_obligation_eur")
    for g in ("DE", "FR", "MT"):
        assert label(g) in text
    assert "bigger" in text and "smaller" in text and "against base" in text
    assert "Change in obligation after deduction, EUR million" in text and "obligation_eur" not in text
    assert "persons" in check_pair(files, "compare_pledged_relocations")
    assert compare_charts(d) == files
    # an explicit baseline and units; an index instead of columns
    other = compare_charts(d.set_index(["geo", "metric", "label"]), baseline="bigger",
                           units={"obligation_eur": ("EUR", 1.0)})
    assert "against bigger" in check_pair(other, "compare_obligation_eur")
    with pytest.raises(ValueError, match="delta"):
        compare_charts(d.drop(columns="delta"))


def _sweep() -> pd.DataFrame:
    rows = []
    for p, r in enumerate((15_000, 21_000, 30_000)):
        for g, k in (("DE", 0.2169), ("FR", 0.16), ("MT", 0.0013), ("IT", 0.0)):
            rows.append({"point": p, "pool.relocations": r, "geo": g, "obligation_eur": round(k * r * 20_000),
                         "offset": pd.NA if g == "MT" and p == 1 else round(k * r / 3), "error": ""})
    t = pd.DataFrame(rows)
    t["offset"] = t["offset"].astype("Int64")
    return t


def test_sweep_charts():
    t = _sweep()
    files = sweep_charts(t, "pool.relocations")
    assert set(files) == {f"sweep_{m}.{e}" for m in ("obligation_eur", "offset") for e in ("png", "svg")}
    text = check_pair(files, "sweep_obligation_eur")
    for g in ("DE", "FR", "MT"):
        assert label(g) in text
    # the axes say what and in which unit, from the registry; no raw identifier alone
    assert "Pool in relocations, R (pool.relocations), persons" in text
    assert "Obligation after deduction, EUR million" in text
    # Italy's constant panel is folded into one line of text
    assert label("IT") not in text and "Not drawn, the same at every point: 0.00 EUR million for IT." in text
    assert sweep_charts(t, "pool.relocations") == files
    only = sweep_charts(t, "pool.relocations", metrics=["offset"], title="2026", sharey=True)
    assert set(only) == {"sweep_offset.png", "sweep_offset.svg"}
    # a parameter given as text: categories in order of appearance
    t2 = t.assign(method=t["point"].map({0: "hamilton", 1: "webster", 2: "dhondt"}))
    cat = sweep_charts(t2.drop(columns="pool.relocations"), "method", metrics=["obligation_eur"])
    assert "webster" in check_pair(cat, "sweep_obligation_eur")
    with pytest.raises(ValueError, match="geo"):
        sweep_charts(t.drop(columns="geo"), "pool.relocations")


def test_every_chart_carries_its_source_line_and_is_a_figure(crisis):
    """Notebooks get matplotlib figures; the files are those figures saved.
    Each names the data releases, the scenario and the tool's version; the
    title does not repeat the year."""
    from matplotlib.figure import Figure

    figures = charts.run_figures(crisis)
    assert set(figures) == {n.rsplit(".", 1)[0] for n in run_charts(crisis)}
    for stem, fig in figures.items():
        assert isinstance(fig, Figure)
        text = " ".join(t.get_text() for t in fig.texts).replace("\n", " ")
        assert "Source: population 2025, Eurostat demo_pjan" in text and "GDP 2024" in text, stem
        assert "crisis-frontline.toml" in text and f"solidarity {solidarity_version()}" in text, stem
        assert "(2026) (2026)" not in fig.get_label() and "Crisis in Greece (2026)" in fig.get_label()
    assert charts.save(figures) == run_charts(crisis)


def solidarity_version() -> str:
    from solidarity import __version__

    return __version__


def test_sweep_with_a_state_empty_at_every_point_draws_without_warnings():
    """An all-empty state (a point failed for it, or not a beneficiary) is
    folded into the text line, not a panel of NaN (no All-NaN slice warning)."""
    t = _sweep()
    t.loc[t["geo"] == "FR", "offset"] = pd.NA
    figs = charts.sweep_figures(t, "pool.relocations", metrics=["offset"], source="Source: test.")
    text = " ".join(x.get_text() for x in figs["sweep_offset"].texts)
    assert "empty for FR" in text and "0 persons for IT" in text and "Source: test." in text
    only_constant = t[t["geo"].isin(["FR", "IT"])]
    figs = charts.sweep_figures(only_constant, "pool.relocations", metrics=["offset"])
    assert not figs["sweep_offset"].axes
