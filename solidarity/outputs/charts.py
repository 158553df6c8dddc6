"""Charts of a run, of a comparison and of a sweep (PNG and SVG).

matplotlib is an optional extra (``pip install 'solidarity[charts]'``); it is
imported inside the functions, and figures are drawn on the Agg canvas
without touching pyplot or the global backend. The ``*_figures`` functions
(:func:`run_figures`, :func:`compare_figures`, :func:`sweep_figures`) return
matplotlib Figures by file stem, for a notebook or ``fig.savefig``; the
``*_charts`` functions the commands use return them saved (:func:`save`) as
``{file name: bytes}``, each chart as ``NAME.png`` (150 dpi) and
``NAME.svg`` (text kept as text, so labels are searchable). Every chart has
a source line at its foot: the data releases, the scenario and the tool's
version (:func:`source_line`, :func:`study_source`). The output is
deterministic: fixed ``svg.hashsalt``, no dates in the metadata, the
DejaVu Sans font that ships with matplotlib; the same tables give
byte-identical files.

Charts of a run (:func:`run_charts`, :func:`charts_from_tables`):

``obligations``
    per state, the value pledged, stacked by type (relocations valued at
    ``e``, financial contributions, alternative measures) and hatched by
    source (recorded, stated, assumed); the obligation as a black tick;
    the unmet part as a hatched vermillion segment. Left panel in EUR
    million, right panel as a percentage of the obligation, so small states
    stay legible.
``flows``
    who sends what to whom: one heat map per type (contributors x
    beneficiaries, each cell labelled with its amount: persons, or EUR
    million), with the totals sent and received.
``beneficiaries``
    per beneficiary and type: need and what it receives, with coverage.
``offsets`` (only when mandatory offsets are owed)
    per state, in persons: relocations pledged plus mandatory offsets owed
    (Art 63(3)) against the fair share in persons (the Art 63(7) cap).
``crisis`` (only with a Solidarity Response Plan)
    per state, in persons: what each gives to the plan, by step
    (CR Art 8, 9).

Colours are Okabe-Ito (safe for the common forms of colour blindness);
sources are told apart by hatching, not by colour.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..numbers import decimal, group
from ..schema import BENEFICIARY, GEO, KNOWN_CODES, TYPE, TYPES

#: Okabe-Ito palette (Okabe & Ito 2008), colour-blind safe.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")
ORANGE, SKY, GREEN, YELLOW, BLUE, VERMILLION, PURPLE, BLACK = OKABE_ITO
TYPE_COLOURS = {"relocation": BLUE, "financial": ORANGE, "alternative": GREEN}
TYPE_LABELS = {"relocation": "Relocations", "financial": "Financial contributions",
               "alternative": "Alternative measures"}
#: Hatching by the source of a pledge (recorded, stated or assumed).
SOURCE_HATCH = {"recorded": "", "stated": "////", "assumed": ".."}
SOURCE_LABELS = {"recorded": "recorded (the Council act's pledge)",
                 "stated": "stated (the state's own preference)",
                 "assumed": "assumed (nothing stated: the model chose)"}
#: Sequential colour maps per type for the flows heat maps (one hue each).
TYPE_CMAPS = {"relocation": "Blues", "financial": "Oranges", "alternative": "Greens"}
GREY, LIGHT = "#6b6b6b", "#e6e6e6"

#: A caption per chart (file name without extension), for the HTML brief.
CAPTIONS = {
    "obligations": "Obligation and value pledged per state, by type and source of the pledge.",
    "flows": "Who sends what to whom: contributors (rows) to beneficiaries (columns), per type.",
    "beneficiaries": "Needs of the benefitting states and what they receive, per type.",
    "offsets": "Relocations pledged and mandatory responsibility offsets owed (Art 63(3)), "
               "against each state's fair share in persons.",
    "crisis": "Contributions to the Solidarity Response Plan (CR Art 8, 9), per state and step.",
}

DPI = 150
THIN = "\u2009"  # thin space between thousands


def _rc() -> dict[Any, Any]:
    return {
        "svg.hashsalt": "solidarity",
        "svg.fonttype": "none",  # text stays text in the SVG
        # DejaVu Sans ships with matplotlib (the PNGs are the same everywhere);
        # the SVG names fallbacks for viewers without it
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica", "Liberation Sans"],
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.titleweight": "bold",
        "axes.labelsize": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.axisbelow": True,
        "axes.grid": False,
        "grid.color": "#d9d9d9",
        "grid.linewidth": 0.6,
        "xtick.labelsize": 8.5,
        "ytick.labelsize": 8.5,
        "legend.fontsize": 8.5,
        "legend.frameon": False,
        "hatch.linewidth": 0.8,
    }


def _figure(width: float, height: float, layout: Any = "constrained"):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI, layout=layout)
    FigureCanvasAgg(fig)
    return fig


def _save(fig, stem: str, title: str) -> dict[str, Any]:
    """The finished figure under its file stem; its title is kept as its label
    (the SVG's title when it is saved)."""
    fig.set_label(title)
    return {stem: fig}


#: Height (inches) kept below a chart for its source line.
SOURCE_PAD = 0.3


def _wrapped(fig, source: str) -> str:
    """The source line broken to the figure's width (6.5 pt text: about 19 characters an inch)."""
    import textwrap

    return "\n".join(textwrap.wrap(source, int(fig.get_figwidth() * 19), break_on_hyphens=False))


def _add_source(fig, source: str) -> None:
    """The source line at the foot of a figure drawn with constrained layout.

    The figure is laid out first and the layout then fixed; the figure grows
    by the line's height at the bottom and everything already placed (axes,
    figure texts, legends outside the axes) moves up by as much, so nothing
    overlaps the line and the charts keep their size."""
    if not source:
        return
    fig.draw_without_rendering()
    fig.set_layout_engine("none")
    text = _wrapped(fig, source)
    h = fig.get_figheight()
    pad = SOURCE_PAD + 0.12 * text.count("\n")
    fig.set_figheight(h + pad)
    scale, foot = h / (h + pad), pad / (h + pad)
    for ax in fig.axes:
        box = ax.get_position(original=False)
        ax.set_position((box.x0, foot + box.y0 * scale, box.width, box.height * scale))
    for t in fig.texts:
        x, y = t.get_position()
        t.set_y(foot + y * scale)
    for legend in fig.legends:
        legend.set_bbox_to_anchor((0, foot, 1, 1 - foot), transform=fig.transFigure)
    fig.text(0.01, foot / 2, text, ha="left", va="center", fontsize=6.5, color=GREY, linespacing=1.3)


def _source_text(fig, source: str, foot: float) -> None:
    """The source line of a figure laid out by hand, ``foot`` (figure fraction) above its bottom."""
    fig.text(0.01, foot * 0.35, _wrapped(fig, source), ha="left", va="center", fontsize=6.5, color=GREY)


def save(figures: Mapping[str, Any]) -> dict[str, bytes]:
    """Each figure as ``stem.png`` (150 dpi) and ``stem.svg``, without dates:
    the files the command-line tools write."""
    import matplotlib

    out = {}
    with matplotlib.rc_context(_rc()):  # svg.hashsalt and svg.fonttype are read when saving
        for stem, fig in figures.items():
            # lay out once (constrained layout), then keep that layout for both formats
            fig.draw_without_rendering()
            fig.set_layout_engine("none")
            for fmt, meta in (("png", {"Software": None}),
                              ("svg", {"Date": None, "Creator": None, "Title": fig.get_label()})):
                buf = io.BytesIO()
                fig.savefig(buf, format=fmt, dpi=DPI, metadata=meta, facecolor="white")
                out[f"{stem}.{fmt}"] = buf.getvalue()
    return out


def _draw(fn, *args, source: str = "", **kwargs) -> dict[str, Any]:
    """Figures drawn by ``fn`` with the package's style, each with the source line."""
    import matplotlib

    with matplotlib.rc_context(_rc()):
        figures = fn(*args, **kwargs)
        for fig in figures.values():
            if not getattr(fig, "_solidarity_source", False):
                _add_source(fig, source)
    return figures


def data_source(population, gdp) -> str:
    """``population 2025, <release>; GDP 2024, <release>`` from the indicators a run read."""
    return "; ".join(f"{name} {ind.year}, {ind.vintage}" for name, ind in (("population", population),
                                                                            ("GDP", gdp)) if ind is not None)


def study_source(data: Iterable[str], scenarios: str) -> str:
    """The source line of a comparison or a sweep: each distinct data
    selection, the scenarios and the tool's version."""
    from .. import __version__

    parts = list(dict.fromkeys(d for d in data if d))
    return (f"Source: {' | '.join(parts)}. " if parts else "") + \
        f"Scenario{'s' if ',' in scenarios else ''}: {scenarios}. Drawn with solidarity {__version__}."


def source_line(tables: Mapping[str, pd.DataFrame]) -> str:
    """Where a run's numbers come from, from its ``meta`` table: the data
    releases (year, release), the scenario and the tool's version."""
    meta = tables.get("meta")
    if meta is None:
        return ""
    m = {str(k): str(v) for k, v in meta["value"].items()}
    parts = []
    for key, name in (("population", "population"), ("gdp", "GDP")):
        fields = m.get(key, "").split("; ")
        if len(fields) >= 3:
            parts.append(f"{name} {fields[0]}, {fields[2]}")
    text = "Source: " + "; ".join(parts) + "." if parts else ""
    if m.get("scenario"):
        text += f" Scenario: {m['scenario']}" + (f" ({m['scenario_file']})" if m.get("scenario_file") else "") + "."
    if m.get("package"):
        text += f" Drawn with {m['package']}."
    return text.strip()


def label(geo: str) -> str:
    """A readable country label: ``Germany (DE)``; unknown codes as given."""
    name = KNOWN_CODES.get(str(geo))
    return f"{name} ({geo})" if name else str(geo)


def num(v: float) -> str:
    """A whole number with thin spaces between thousands."""
    return group(round(v), THIN, "\u2212")


def meur(v: float, digits: int = 1) -> str:
    """EUR as millions, e.g. ``91.1``."""
    return decimal(v / 1e6, digits, THIN)


def _context(tables: Mapping[str, pd.DataFrame]) -> tuple[str, int]:
    """The scenario's name and the EUR value of one relocation."""
    name = ""
    meta = tables.get("meta")
    if meta is not None:
        m = meta["value"].to_dict()
        name = str(m.get("scenario", ""))
        year = str(m.get("scenario_year", ""))
        if year and year not in name:  # "2026 adopted pool", not "2026 adopted pool (2026)"
            name += f" ({year})"
    rate = 0
    pool = tables.get("pool")
    if pool is not None and "equivalence_eur" in pool.index:
        rate = int(pool.at["equivalence_eur", "amount"])  # type: ignore[arg-type]
    return name, rate


def _tag(ax, x, y, text, **kw):
    """A label right of a bar, on a white ground so grid lines do not cross it."""
    kw.setdefault("fontsize", 7.5)
    kw.setdefault("va", "center")
    ax.text(x, y, text, bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6}, **kw)


def _thousands(axis) -> None:
    """Tick labels with thin spaces between thousands."""
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _: num(v) if float(v).is_integer() else f"{v:g}"))


def _state_order(tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """Participants by obligation, largest first (then by code)."""
    ob = tables.get("obligations")
    if ob is None:
        ob = tables["shares"]
    geos = list(tables["shares"].index) if "shares" in tables else list(ob.index)
    val = ob["obligation_eur"].reindex(geos).fillna(0)
    return sorted(geos, key=lambda g: (-int(val[g]), g))


# --- a run -----------------------------------------------------------------------

def run_figures(result) -> dict[str, Any]:
    """Every chart of a run (:class:`solidarity.pipeline.Result`) as a
    matplotlib Figure, by file stem (``obligations``, ``flows``...): shown
    inline by a notebook, saved with ``fig.savefig`` or :func:`save`."""
    return figures_from_tables(result.tables)


def run_charts(result) -> dict[str, bytes]:
    """Every chart of a run as files: name -> PNG or SVG bytes (see the module's docstring)."""
    return save(run_figures(result))


def figures_from_tables(tables: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """The figures of a run from its tables (as indexed in ``Result.tables``)."""
    src = source_line(tables)
    out: dict[str, Any] = {}
    out.update(_draw(_obligations_chart, tables, source=src))
    if "flows" in tables and "beneficiaries" in tables:
        out.update(_draw(_flows_chart, tables, source=src))
        out.update(_draw(_beneficiaries_chart, tables, source=src))
    off = tables.get("offsets")
    if off is not None and len(off) and int(off["offset"].sum()) > 0:
        out.update(_draw(_offsets_chart, tables, source=src))
    if tables.get("crisis") is not None and len(tables["crisis"]):
        out.update(_draw(_crisis_chart, tables, source=src))
    return out


def charts_from_tables(tables: Mapping[str, pd.DataFrame]) -> dict[str, bytes]:
    """The chart files of a run from its tables."""
    return save(figures_from_tables(tables))


def _obligations_chart(tables) -> dict[str, Any]:
    """Per state: the value pledged, stacked by type and marked by source,
    against the obligation (left, EUR million); the same as % of the
    obligation (right); unmet obligations hatched."""
    scenario, rate = _context(tables)
    ob = tables["obligations"]
    geos = _state_order(tables)
    n = len(geos)
    fig = _figure(10, 0.3 * n + 2.6)
    ax, axp = fig.subplots(1, 2, sharey=True, width_ratios=[3, 2])
    y = np.arange(n)[::-1]
    top_hint = max(float(ob["obligation_eur"].max()), float(ob["pledged_value_eur"].max())) / 1e6
    top = 0.0
    for k, g in enumerate(geos):
        top = max(top, _obligation_row(ax, axp, tables, g, y[k], top_hint))
    _obligations_axes(ax, axp, tables, geos, y, top, rate)
    _obligations_legend(fig, rate)
    title = "Obligations and pledges per state" + (f" — {scenario}" if scenario else "")
    fig.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold")
    return _save(fig, "obligations", title)


def _obligation_row(ax, axp, tables, g: str, yk: float, top_hint: float) -> float:
    """One state's bars, labels and obligation mark; returns where its bar ends (EUR)."""
    ob, pl, shares = tables["obligations"], tables["pledges"], tables.get("shares")
    h = 0.72
    kw = {"height": h, "edgecolor": "white", "linewidth": 0.6, "hatchcolor": "white"}
    o = int(ob.at[g, "obligation_eur"]) if g in ob.index else 0
    left = 0
    segments = [(typ.value, int(pl.at[(g, typ.value), "value_eur"]), pl.at[(g, typ.value), "source"])
                for typ in TYPES if (g, typ.value) in pl.index]
    segments = [s for s in segments if s[1] > 0]
    unmet = max(0, o - sum(s[1] for s in segments))
    for typ, v, src in segments:
        colour = TYPE_COLOURS[typ]
        style = {"color": colour, "hatch": SOURCE_HATCH.get(src, "")}
        ax.barh(yk, v / 1e6, left=left / 1e6, **style, **kw)
        if o > 0:
            axp.barh(yk, 100 * v / o, left=100 * left / o, **style, **kw)
            share = 100 * v / o
            if share >= 11 and (len(segments) > 1 or unmet):
                axp.text(100 * (left + v / 2) / o, yk, f"{share:.0f}{THIN}%", ha="center",
                         va="center", fontsize=7.5, color="white", fontweight="bold",
                         bbox={"facecolor": colour, "edgecolor": "none", "pad": 0.6})
        left += v
    if unmet:
        _unmet_bar(ax, axp, ob, g, yk, h, o, left, unmet)
    if o > 0:
        ax.plot([o / 1e6] * 2, [yk - 0.48, yk + 0.48], color=BLACK, lw=2.2, solid_capstyle="butt")
    end = max(o, left)
    text = meur(o, 1) if o else ""
    if unmet:
        text += f"  (unmet {meur(unmet, 2)})"
    if text:
        _tag(ax, end / 1e6 + top_hint * 0.012, yk, text, color=VERMILLION if unmet else "#222222")
    if o == 0:
        why = "no obligation"
        if shares is not None and g in shares.index and float(shares.at[g, "deduction"]) >= 1:
            why = "no obligation: fully deducted"
            if str(shares.at[g, "deduction_source"]).startswith("default"):
                why += " (benefitting state)"
        if left:
            why += f"; pledged EUR {meur(left, 2)} million"
        axp.text(2, yk, why, va="center", fontsize=7.5, color=GREY, style="italic")
    return end


def _unmet_bar(ax, axp, ob, g: str, yk: float, h: float, o: int, left: int, unmet: int) -> None:
    """The hatched unmet part of a state's obligation, labelled when wide enough."""
    uk = {"height": h, "facecolor": "white", "edgecolor": VERMILLION, "hatch": "xxx",
          "hatchcolor": VERMILLION, "linewidth": 1.0}
    ax.barh(yk, unmet / 1e6, left=left / 1e6, **uk)
    axp.barh(yk, 100 * unmet / o, left=100 * left / o, **uk)
    if 100 * unmet / o >= 11:
        why = ""
        if not left:
            src = str(ob.at[g, "source"]) if "source" in ob.columns else ""
            why = " (nothing pledged" + (f", {src})" if src else ")")
        axp.text(100 * (left + unmet / 2) / o, yk, f"unmet {100 * unmet / o:.0f}{THIN}%{why}",
                 ha="center", va="center", fontsize=7.5, color=VERMILLION, fontweight="bold",
                 bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.8})


def _obligations_axes(ax, axp, tables, geos: list[str], y: np.ndarray, top: float, rate) -> None:
    """Limits, labels, ticks and titles of the two panels."""
    ob = tables["obligations"]
    n = len(geos)
    ax.set_xlim(0, top / 1e6 * 1.22 if top else 1)
    ax.set_xlabel("EUR million (relocations valued at EUR " + num(rate) + " each)" if rate else "EUR million")
    ax.set_yticks(y, [label(g) for g in geos])
    ax.set_ylim(-0.7, n - 0.3)
    ax.xaxis.grid(True)
    ax.tick_params(axis="y", length=0)
    ax.set_title("Value pledged and obligation, EUR million", loc="left")
    pct = [100 * max(int(ob.at[g, "pledged_value_eur"]), 1) / int(ob.at[g, "obligation_eur"])
           for g in geos if g in ob.index and int(ob.at[g, "obligation_eur"]) > 0]
    axp.set_xlim(0, max([105.0] + [p * 1.03 for p in pct]))
    axp.axvline(100, color=BLACK, lw=1.2, ls=(0, (4, 2)))
    axp.set_xlabel("% of the state's obligation (dashed line: 100 %)")
    axp.xaxis.grid(True)
    axp.tick_params(axis="y", length=0, labelleft=False)
    axp.set_title("Mix of the pledge, % of the obligation", loc="left")


def _obligations_legend(fig, rate) -> None:
    """Types, sources, the obligation mark and the unmet hatching."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = [Patch(facecolor=TYPE_COLOURS[t.value], label=TYPE_LABELS[t.value]
                                + (f" (at EUR {num(rate)} per person)" if t.value == "relocation" and rate else ""))
                          for t in TYPES]
    handles += [Patch(facecolor="#8c8c8c", hatch=SOURCE_HATCH[s], hatchcolor="white", edgecolor="white",
                      label=SOURCE_LABELS[s]) for s in ("recorded", "stated", "assumed")]
    handles += [Line2D([], [], color=BLACK, lw=2.2, label="obligation"),
                Patch(facecolor="white", edgecolor=VERMILLION, hatch="xxx", hatchcolor=VERMILLION,
                      label="unmet obligation"),
                Patch(facecolor="none", edgecolor="none", label="")]
    fig.legend(handles=handles, loc="outside lower center", ncol=3, handlelength=2.4, handleheight=1.3,
               columnspacing=3.0)


def _flows_chart(tables) -> dict[str, Any]:
    from matplotlib import colormaps
    from matplotlib.colors import Normalize
    from matplotlib.patches import Rectangle

    scenario, _ = _context(tables)
    fl = tables["flows"].reset_index()
    ben = tables["beneficiaries"].reset_index()
    geos = _state_order(tables)
    benefs = list(dict.fromkeys(ben[BENEFICIARY]))
    types = [t.value for t in TYPES if (fl[TYPE] == t.value).any()]
    m, n = len(benefs), len(geos)
    if not types:
        fig = _figure(8, 2.2)
        ax = fig.add_subplot()
        ax.axis("off")
        ax.text(0.5, 0.5, "No flows: nothing was allocated to the beneficiaries.", ha="center", va="center")
        title = "Flows from contributors to beneficiaries" + (f" — {scenario}" if scenario else "")
        fig.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold")
        return _save(fig, "flows", title)
    col_w = 0.72
    width = 2.3 + len(types) * (col_w * (m + 1.4) + 0.5)
    fig = _figure(max(width, 8.5), 0.27 * n + 2.4)
    axes = fig.subplots(1, len(types), sharey=True, squeeze=False)[0]
    for ax, typ in zip(axes, types):
        f = fl[fl[TYPE] == typ]
        mat = (f.pivot_table(index=GEO, columns=BENEFICIARY, values="units", aggfunc="sum")
               .reindex(index=geos, columns=benefs).fillna(0).to_numpy(dtype=float))
        eur = typ != "relocation"
        scale = 1e6 if eur else 1.0
        shown = mat / scale
        vmax = float(shown.max()) or 1.0
        cmap = colormaps[TYPE_CMAPS[typ]]
        norm = Normalize(0, vmax)
        masked = np.ma.masked_where(mat == 0, shown)
        ax.imshow(masked, cmap=cmap, norm=norm, aspect="auto", interpolation="nearest",
                  extent=(-0.5, m - 0.5, n - 0.5, -0.5))
        for i, g in enumerate(geos):
            for j, b in enumerate(benefs):
                if g == b:
                    ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor=LIGHT, edgecolor="none"))
                    ax.text(j, i, "self", ha="center", va="center", fontsize=6.5, color=GREY)
                    continue
                v = shown[i, j]
                if v:
                    txt = decimal(v, 2, THIN) if eur else num(v)
                    ax.text(j, i, txt, ha="center", va="center", fontsize=7.5,
                            color="white" if norm(v) > 0.55 else "#222222")
        # totals: a column "sent" and a row "received", outside the colour scale
        for i in range(n):
            s = shown[i].sum()
            ax.text(m - 0.2, i, (decimal(s, 2, THIN) if eur else num(s)) if s else "–",
                    ha="left", va="center", fontsize=7, fontweight="bold" if s else "normal",
                    color="#222222" if s else GREY)
        for j in range(m):
            s = shown[:, j].sum()
            ax.text(j, n + 0.1, decimal(s, 2, THIN) if eur else num(s), ha="center", va="top",
                    fontsize=7, fontweight="bold")
        ax.set_xlim(-0.5, m + 0.9)
        ax.set_ylim(n + 1.0, -0.5)
        ax.set_xticks(list(range(m)) + [m + 0.2], [label(b).replace(" (", "\n(") for b in benefs] + ["total\nsent"],
                      fontsize=8)
        ax.xaxis.tick_top()
        ax.tick_params(axis="x", length=0)
        ax.tick_params(axis="y", length=0)
        for sp in ax.spines.values():
            sp.set_visible(False)
        for j in range(m + 1):
            ax.axvline(j - 0.5, color="white", lw=1)
        ax.axvline(m - 0.5, color=GREY, lw=0.8, ymax=1)
        ax.axhline(n - 0.5, color=GREY, lw=0.8)
        ax.hlines(np.arange(n) + 0.5, -0.5, m - 0.5, color="white", lw=0.6)
        unit = "EUR million" if eur else "persons"
        ax.set_title(f"{TYPE_LABELS[typ]}, {unit}", loc="left", pad=28)
    axes[0].set_yticks(list(range(n)) + [n + 0.35], [label(g) for g in geos] + ["total received"])
    title = "Flows from contributors (rows) to beneficiaries (columns)" + (f" — {scenario}" if scenario else "")
    fig.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold")
    return _save(fig, "flows", title)


def _beneficiaries_chart(tables) -> dict[str, Any]:
    from matplotlib.patches import Patch

    scenario, _ = _context(tables)
    ben = tables["beneficiaries"].reset_index()
    benefs = list(dict.fromkeys(ben[BENEFICIARY]))
    types = [t.value for t in TYPES
             if ((ben[TYPE] == t.value) & ((ben["need"] > 0) | (ben["received"] > 0))).any()]
    m = len(benefs)
    if not types:
        types = ["relocation"]
    fig = _figure(10, 0.42 * m * len(types) + 0.9 * len(types) + 1.6)
    axes = fig.subplots(len(types), 1, squeeze=False)[:, 0]
    y = np.arange(m)[::-1]
    for ax, typ in zip(axes, types):
        rows = ben[ben[TYPE] == typ].set_index(BENEFICIARY).reindex(benefs)
        eur = typ != "relocation"
        scale = 1e6 if eur else 1.0
        need = rows["need"].fillna(0).to_numpy(dtype=float) / scale
        got = rows["received"].fillna(0).to_numpy(dtype=float) / scale
        colour = TYPE_COLOURS[typ]
        ax.barh(y, need, height=0.7, facecolor="white", edgecolor=colour, linewidth=1.2)
        ax.barh(y, got, height=0.7, color=colour)
        top = float(max(need.max(), got.max())) or 1.0
        for k in range(len(benefs)):
            n_, g_ = need[k], got[k]
            if eur:
                txt = f"{decimal(g_, 2, THIN)} of {decimal(n_, 2, THIN)}"
            else:
                txt = f"{num(g_)} of {num(n_)}"
            if n_:
                txt += f"  ({100 * g_ / n_:.0f}{THIN}%)"
            _tag(ax, max(n_, g_) + top * 0.01, y[k], txt, fontsize=8)
        sar = rows["sar"].fillna(False).astype(bool).to_numpy()
        ax.set_yticks(y, [label(b) + ("\nSAR state" if s else "") for b, s in zip(benefs, sar)])
        ax.set_xlim(0, top * 1.3)
        ax.xaxis.grid(True)
        ax.tick_params(axis="y", length=0)
        if not eur:
            _thousands(ax.xaxis)
        unit = "EUR million" if eur else "persons"
        ax.set_xlabel(unit)
        ax.set_title(f"{TYPE_LABELS[typ]}: received of the need, {unit}", loc="left")
    handles = [Patch(facecolor="white", edgecolor=GREY, label="need (outline)"),
               Patch(facecolor=GREY, label="received (filled, in the type's colour)")]
    fig.legend(handles=handles, loc="outside lower center", ncol=2)
    title = "What the benefitting states need and receive" + (f" — {scenario}" if scenario else "")
    fig.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold")
    return _save(fig, "beneficiaries", title)


def _offsets_chart(tables) -> dict[str, Any]:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    scenario, _ = _context(tables)
    off = tables["offsets"]
    geos = [g for g in _state_order(tables) if g in off.index]
    n = len(geos)
    fig = _figure(10, 0.3 * n + 2.3)
    ax = fig.add_subplot()
    y = np.arange(n)[::-1]
    rel = off["pledged_relocations"].reindex(geos).to_numpy(dtype=float)
    owed = off["offset"].reindex(geos).to_numpy(dtype=float)
    fair = off["obligation_relocations"].reindex(geos).to_numpy(dtype=float)
    ax.barh(y, rel, height=0.72, color=BLUE, edgecolor="white", linewidth=0.6)
    ax.barh(y, owed, left=rel, height=0.72, color=PURPLE, edgecolor="white", linewidth=0.6, hatch="////",
            hatchcolor="white")
    top = float(max(fair.max(), (rel + owed).max())) or 1.0
    for k in range(n):
        if fair[k]:
            ax.plot([fair[k]] * 2, [y[k] - 0.48, y[k] + 0.48], color=BLACK, lw=2.2, solid_capstyle="butt")
        parts = []
        if rel[k]:
            parts.append(f"{num(rel[k])} pledged")
        if owed[k]:
            parts.append(f"{num(owed[k])} offsets")
        txt = " + ".join(parts)
        txt = (txt + f" of {num(fair[k])}") if fair[k] else "no fair share left (deducted)"
        _tag(ax, max(fair[k], rel[k] + owed[k]) + top * 0.01, y[k], txt,
             color="#222222" if fair[k] else GREY, style="normal" if fair[k] else "italic")
    ax.set_yticks(y, [label(g) for g in geos])
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlim(0, top * 1.3)
    ax.set_xlabel("persons")
    ax.xaxis.grid(True)
    _thousands(ax.xaxis)
    ax.tick_params(axis="y", length=0)
    pool = tables.get("pool")
    sub = ""
    if pool is not None and "art63_3_mandatory_offsets" in pool.index:
        r = pool.loc["art63_3_mandatory_offsets"]
        sub = (f": a gap of {num(r['reference'])} persons, {num(r['amount'])} owed within the caps")
    ax.set_title("Mandatory offsets (Art 63(3))" + sub, loc="left")
    handles = [Patch(facecolor=BLUE, label="relocations pledged"),
               Patch(facecolor=PURPLE, hatch="////", hatchcolor="white", edgecolor="white",
                     label="mandatory offsets owed"),
               Line2D([], [], color=BLACK, lw=2.2, label="fair share in persons (the cap, Art 63(7))")]
    fig.legend(handles=handles, loc="outside lower center", ncol=3, handleheight=1.3)
    title = "Relocations and responsibility offsets per state" + (f" — {scenario}" if scenario else "")
    fig.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold")
    return _save(fig, "offsets", title)


def _crisis_chart(tables) -> dict[str, Any]:
    from matplotlib.patches import Patch

    scenario, _ = _context(tables)
    cr = tables["crisis"]
    geos = [g for g in _state_order(tables) if g in cr.index] + [g for g in cr.index
                                                                 if g not in _state_order(tables)]
    n = len(geos)
    steps = [("from_unallocated", "pledges not allocated (CR Art 8)", BLUE, ""),
             ("additional", "additional pledges", SKY, ""),
             ("within_fair_share", "offsets within the fair share (CR Art 9)", PURPLE, "////"),
             ("above_fair_share", "offsets above the fair share (credited)", VERMILLION, "xxx")]
    fig = _figure(10, 0.3 * n + 2.3)
    ax = fig.add_subplot()
    y = np.arange(n)[::-1]
    left = np.zeros(n)
    for col, lab, colour, hatch in steps:
        v = cr[col].reindex(geos).to_numpy(dtype=float)
        ax.barh(y, v, left=left, height=0.72, color=colour, edgecolor="white", linewidth=0.6, hatch=hatch,
                hatchcolor="white", label=lab)
        left += v
    top = float(left.max()) or 1.0
    pool = tables.get("pool")
    items = [i for i in pool.index if str(i).startswith("crisis_plan_")] if pool is not None else []
    plan_state = items[0][12:] if items else ""
    for k, g in enumerate(geos):
        txt = num(left[k]) if left[k] else ("the plan's beneficiary" if g == plan_state else "–")
        _tag(ax, left[k] + top * 0.01, y[k], txt, color="#222222" if left[k] else GREY)
    ax.set_yticks(y, [label(g) for g in geos])
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlim(0, top * 1.15)
    ax.set_xlabel("persons")
    ax.xaxis.grid(True)
    _thousands(ax.xaxis)
    ax.tick_params(axis="y", length=0)
    sub = ""
    if items:
        r = pool.loc[items[0]]
        sub = f" for {label(items[0][12:])}: {num(r['amount'])} of {num(r['reference'])} relocations covered"
    ax.set_title("Solidarity Response Plan" + sub, loc="left")
    handles = [Patch(facecolor=c, hatch=h, hatchcolor="white", edgecolor="white", label=lab)
               for _, lab, c, h in steps]
    fig.legend(handles=handles, loc="outside lower center", ncol=4, handleheight=1.3)
    title = "Crisis: contributions to the Solidarity Response Plan" + (f" — {scenario}" if scenario else "")
    fig.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold")
    return _save(fig, "crisis", title)


# --- comparisons and sweeps ----------------------------------------------------------

def metric_unit(metric: str) -> tuple[str, float]:
    """How a metric is drawn: its axis unit and the divisor from the table's
    unit (``*_eur`` -> EUR million; shares, coverage, deduction -> %;
    relocations, offsets and other counts -> persons)."""
    m = metric.lower()
    if m.endswith(("_eur", "_meur")) or "eur" in m.split("_"):
        return ("EUR million", 1e6) if not m.endswith("_meur") else ("EUR million", 1.0)
    if any(w in m for w in ("share", "coverage", "deduction", "fraction", "ratio")):
        return "%", 0.01
    if any(w in m for w in ("relocation", "offset", "persons", "population", "need", "received")):
        return "persons", 1.0
    return "", 1.0


def _fname(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in str(text)).strip("_") or "chart"


def readable(name: str) -> str:
    """A column's meaning from the table registry, as an axis or title says it
    (``obligation_eur`` -> ``Obligation after deduction``); unknown names
    with their underscores as spaces."""
    from .tables import REGISTRY

    for spec in REGISTRY.values():
        if name in spec.names:
            doc = spec.column(name).doc
            for stop in (" (", ":", ",", ";"):
                doc = doc.split(stop)[0]
            return doc[:1].upper() + doc[1:]
    text = str(name).replace("_eur", "").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


#: The pool's numbers as a sweep's axis says them.
_PARAMETERS = {"pool.relocations": ("Pool in relocations, R", "persons"),
               "pool.financial_eur": ("Pool in money, F", "EUR"),
               "pool.equivalence_eur": ("Value of one relocation, e", "EUR"),
               "pool.sar_share": ("Share for search-and-rescue states", "fraction")}


def parameter_label(path: str) -> str:
    """A swept key path as an axis title, with its unit: ``Pool in
    relocations, R (pool.relocations), persons``."""
    from .tables import REGISTRY

    name, unit = _PARAMETERS.get(path, ("", ""))
    spec = REGISTRY.get("sweep")
    if not unit and spec is not None and path in spec.names:
        unit = spec.column(path).unit
    if not unit:
        last = path.rsplit(".", 1)[-1]
        unit = "EUR" if last.endswith("_eur") else "persons" if "relocations" in last else \
            "fraction" if last.endswith(("_share", "weight")) else ""
    if not name:
        last = path.rsplit(".", 1)[-1].replace("_eur", "").replace("_", " ")
        name = last[:1].upper() + last[1:]
    unit = "" if unit in ("text", "number", "code", "flag") else unit
    return f"{name} ({path})" + (f", {unit}" if unit else "")


def compare_figures(deltas: pd.DataFrame, baseline: str | None = None,
                    units: Mapping[str, tuple[str, float]] | None = None,
                    title: str = "", labels: Mapping[str, str] | None = None,
                    source: str = "", values: bool = False, prefix: str = "compare") -> dict[str, Any]:
    """Per-state changes between scenarios, one figure per metric
    (stem ``compare_<metric>``).

    ``deltas`` is a long table (a column or an index level each):

    ``geo``     state code (one bar group per state; unknown codes drawn as given)
    ``metric``  name of the quantity, e.g. ``obligation_eur``, ``relocation_units``
    ``label``   the scenario the row belongs to
    ``value``   the metric in that scenario
    ``delta``   value minus the baseline's value (empty for the baseline)

    Each chart shows, per state, the ``delta`` of every scenario label (one
    colour per label), with the label's value in the legend's totals. Labels
    whose deltas are all empty (the baseline) or equal to ``baseline`` are
    not drawn. Units follow the metric's name (:func:`metric_unit`) unless
    ``units`` maps the metric to ``(axis unit, divisor)``; titles and axes
    name the metric as ``labels`` says, else as the table registry
    describes it (:func:`readable`). ``source`` is the line at the foot.

    ``values=True`` draws the ``value`` of every label side by side instead
    (the baseline too; stem ``compare_values_<metric>``): for runs that are
    not variations of one another, such as one year under several designs;
    with one label, one run's numbers per state (stem ``<prefix>_<metric>``
    for another ``prefix``, as a design's run draws its own).
    """
    return _draw(_compare_charts, deltas, baseline, units or {}, title, labels or {}, values, prefix,
                 source=source)


def compare_charts(deltas: pd.DataFrame, baseline: str | None = None,
                   units: Mapping[str, tuple[str, float]] | None = None,
                   title: str = "", labels: Mapping[str, str] | None = None,
                   source: str = "", values: bool = False, prefix: str = "compare") -> dict[str, bytes]:
    """:func:`compare_figures` as files (``compare_<metric>.png`` / ``.svg``)."""
    return save(compare_figures(deltas, baseline, units, title, labels, source, values, prefix))


def _by_name(geos: Iterable) -> list:
    """States in the alphabetical order of their English names; other labels after."""
    return sorted(dict.fromkeys(geos), key=lambda g: (str(g) not in KNOWN_CODES,
                                                      KNOWN_CODES.get(str(g), str(g)), str(g)))


def _compare_charts(deltas, baseline, units, title, names, values=False, prefix="compare") -> dict[str, Any]:
    """Long because one loop draws every metric's chart: bars, labels, axes, legend and title
    share its variables (deltas against the base, or values side by side)."""
    from matplotlib.patches import Patch

    d = deltas.reset_index() if deltas.index.names != [None] else deltas
    missing = {"geo", "metric", "label", "delta"} - set(d.columns)
    if missing:
        raise ValueError(f"compare_charts: deltas lacks column(s) {', '.join(sorted(missing))}")
    colours = (BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, YELLOW, BLACK)
    out: dict[str, Any] = {}
    for metric in dict.fromkeys(d["metric"]):
        dm = d[d["metric"] == metric]
        name = str(names.get(metric) or readable(str(metric))).strip()
        all_labels = list(dict.fromkeys(dm["label"]))
        col = "value" if values else "delta"
        labels = [lab for lab in all_labels if (values or lab != baseline)
                  and dm.loc[dm["label"] == lab, col].notna().any()]
        base = baseline if baseline is not None else next((lab for lab in all_labels if lab not in labels), None)
        geos = _by_name(dm["geo"])
        unit, div = units.get(metric) or metric_unit(str(metric))
        n, k = len(geos), max(1, len(labels))
        fig = _figure(10.5, max(3.0, (0.2 + 0.13 * k) * n + 1.9))
        ax = fig.add_subplot()
        y = np.arange(n)[::-1].astype(float)
        h = 0.8 / k
        lo = hi = 0.0
        for li, lab in enumerate(labels):
            v = (dm[dm["label"] == lab].groupby("geo")[col].sum(min_count=1)
                 .reindex(geos).to_numpy(dtype=float, na_value=np.nan) / div)
            pos = y + (k - 1) / 2 * h - li * h
            ax.barh(pos, np.nan_to_num(v), height=h * 0.9, color=colours[li % len(colours)])
            if np.isfinite(v).any():
                lo, hi = min(lo, float(np.nanmin(v))), max(hi, float(np.nanmax(v)))
            if k <= 3:
                for p, x in zip(pos, v):
                    if not np.isfinite(x):
                        continue
                    shown = _signed(x, unit).lstrip("+") if values else _signed(x, unit)
                    ax.text(x, p, f" {shown} " if x else " 0 ", va="center",
                            fontsize=6.5 if k > 1 else 7.5, ha="right" if x < 0 else "left",
                            color="#222222" if x else GREY)
        span = (hi - lo) or 1.0
        ax.set_xlim(lo - (0.16 * span if lo < 0 else 0.04 * span), hi + (0.16 * span if hi > 0 else 0.04 * span))
        ax.axvline(0, color=BLACK, lw=1)
        ax.set_yticks(y, [label(g) for g in geos])
        ax.set_ylim(-0.6, n - 0.4)
        for yy in y[:-1]:
            ax.axhline(yy - 0.5, color="#f0f0f0", lw=0.6, zorder=0)
        ax.xaxis.grid(True)
        ax.tick_params(axis="y", length=0)
        if unit in ("persons", ""):
            _thousands(ax.xaxis)
        if values:
            ax.set_xlabel(name[:1].upper() + name[1:] + (f", {unit}" if unit else ""))
            ax.set_title("Per state" + (", each run side by side" if k > 1 else ""), loc="left")
        else:
            ax.set_xlabel(f"Change in {name[:1].lower() + name[1:]}"
                          + (", percentage points" if unit == "%" else f", {unit}" if unit else ""))
            ax.set_title("Change per state" + (f" against {base}" if base is not None else ""), loc="left")
        if labels:
            fig.legend(handles=[Patch(facecolor=colours[i % len(colours)], label=str(lab))
                                for i, lab in enumerate(labels)], loc="outside lower center",
                       ncol=min(4, len(labels)))
        else:
            ax.text(0.5, 0.5, "no differences to draw", transform=ax.transAxes, ha="center", color=GREY)
        head = (title or "Comparison of scenarios") + f": {name[:1].lower() + name[1:]}"
        fig.suptitle(head, x=0.01, ha="left", fontsize=12, fontweight="bold")
        stem = f"{prefix}_values_" if values and prefix == "compare" else f"{prefix}_"
        out.update(_save(fig, stem + _fname(metric), head))
    return out


def _signed(x: float, unit: str) -> str:
    if unit == "EUR million":
        s = f"{x:+,.2f}"
    elif unit == "%":
        s = f"{x:+,.1f}"
    else:
        s = f"{x:+,.0f}"
    return s.replace(",", THIN).replace("-", "\u2212")


def sweep_figures(long_table: pd.DataFrame, parameter: str, metrics: Iterable[str] | None = None,
                  units: Mapping[str, tuple[str, float]] | None = None, title: str = "",
                  sharey: bool = False, labels: Mapping[str, str] | None = None,
                  source: str = "") -> dict[str, Any]:
    """Response curves: one figure per metric (stem ``sweep_<metric>``), a
    small panel per state whose metric moves with the swept parameter; the
    states where it stays the same are listed in one line of text.

    ``long_table`` has one row per sweep point and state (columns or index
    levels):

    ``point``       the sweep point (an id; rows of one point belong together)
    ``parameter``   the swept value, in the column named by ``parameter``
                    (numbers give a line; text gives categories in order of
                    appearance)
    ``geo``         state code
    other columns   metrics (numeric columns only; or those named in
                    ``metrics``)

    Units follow the metric's name (:func:`metric_unit`) unless ``units``
    maps it to ``(axis unit, divisor)``; metrics are named as ``labels``
    says, else as the registry describes them (:func:`readable`), the
    parameter by :func:`parameter_label`. Each panel has its own y scale,
    starting at 0 for non-negative metrics, unless ``sharey`` (states differ
    by two orders of magnitude, so shared scales flatten the small ones).
    ``source`` is the line at the foot.
    """
    return _draw(_sweep_charts, long_table, parameter, metrics, units or {}, title, sharey, labels or {},
                 source)


def sweep_charts(long_table: pd.DataFrame, parameter: str, metrics: Iterable[str] | None = None,
                 units: Mapping[str, tuple[str, float]] | None = None, title: str = "",
                 sharey: bool = False, labels: Mapping[str, str] | None = None,
                 source: str = "") -> dict[str, bytes]:
    """:func:`sweep_figures` as files (``sweep_<metric>.png`` / ``.svg``)."""
    return save(sweep_figures(long_table, parameter, metrics, units, title, sharey, labels, source))


def _sweep_metrics(t: pd.DataFrame, parameter: str, metrics) -> list[str]:
    skip = {"point", parameter, "geo"}
    return list(metrics) if metrics is not None else [
        c for c in t.columns if c not in skip and pd.api.types.is_numeric_dtype(t[c])
        and not pd.api.types.is_bool_dtype(t[c])]


def _constant(t: pd.DataFrame, metric: str, div: float) -> dict[str, float]:
    """State -> its value, for the states whose metric does not move over the
    sweep (NaN where it is empty at every point)."""
    out = {}
    for g, rows in t.groupby("geo", sort=False):
        v = rows[metric].to_numpy(dtype=float, na_value=np.nan) / div
        finite = v[np.isfinite(v)]
        if len(finite) == 0:
            out[str(g)] = math.nan
        elif len(finite) == len(v) and finite.min() == finite.max():
            out[str(g)] = float(finite[0])
    return out


def _constant_line(constant: Mapping[str, float], unit: str) -> str:
    """``Unchanged over the sweep: 0 at AT, BE, ...; 12 at DE.`` (grouped by value)."""
    if not constant:
        return ""
    groups: dict[str, list[str]] = {}
    for g in _by_name(constant):
        v = constant[g]
        key = "empty" if math.isnan(v) else _plain(v, unit) + (f" {unit}" if unit and unit != "%" else "")
        groups.setdefault(key, []).append(str(g))
    text = "; ".join(f"{v} for {', '.join(gs)}" for v, gs in groups.items())
    return "Not drawn, the same at every point: " + text + "."


def _sweep_charts(table, parameter, metrics, units, title, sharey, names, source) -> dict[str, Any]:
    """Long because each figure is laid out by hand (a fixed grid: constrained
    layout is slow with many panels): panels, then the texts around them."""
    import textwrap

    t = table.reset_index() if table.index.names != [None] else table
    missing = {"geo", parameter} - set(t.columns)
    if missing:
        raise ValueError(f"sweep_charts: long_table lacks column(s) {', '.join(sorted(missing))}")
    numeric = pd.api.types.is_numeric_dtype(t[parameter]) and not pd.api.types.is_bool_dtype(t[parameter])
    cats = list(dict.fromkeys(t[parameter]))
    out: dict[str, Any] = {}
    for metric in _sweep_metrics(t, parameter, metrics):
        unit, div = units.get(metric) or metric_unit(str(metric))
        name = str(names.get(metric) or readable(str(metric))).strip()
        constant = _constant(t, metric, div)
        geos = [g for g in _by_name(t["geo"]) if str(g) not in constant]
        note = textwrap.wrap(_constant_line(constant, unit), 190, break_on_hyphens=False)
        n = len(geos)
        ncol = min(6, max(1, n))
        nrow = math.ceil(n / ncol) if n else 0
        foot = 0.6 + 0.16 * len(note) + (SOURCE_PAD if source else 0)
        height = 1.55 * nrow + 0.75 + foot
        fig = _figure(12, height, layout=None)
        fig._solidarity_source = True  # the source line is placed here, in the fixed grid
        if n:
            fig.subplots_adjust(left=0.075, right=0.99, top=1 - 0.75 / height, bottom=foot / height,
                                hspace=0.55, wspace=0.32)
            axes = fig.subplots(nrow, ncol, sharex=True, sharey=sharey, squeeze=False)
            _sweep_panels(axes, t, geos, parameter, metric, unit, div, numeric, cats, sharey)
            fig.text(0.5, (foot - 0.45) / height, parameter_label(parameter), ha="center", va="bottom",
                     fontsize=9)
            fig.text(0.006, 1 - (0.75 + 1.55 * nrow / 2) / height, name + (f", {unit}" if unit else ""),
                     rotation=90, ha="left", va="center", fontsize=9)
        for i, line in enumerate(note):
            fig.text(0.01, (foot - 0.62 - 0.16 * i) / height, line, ha="left", va="top", fontsize=7.5,
                     color=GREY)
        if source:
            _source_text(fig, source, SOURCE_PAD / height)
        head = (title + ": " if title else "") + f"{name} per state against {parameter_label(parameter).split(' (')[0]}"
        fig.text(0.01, 1 - 0.12 / height, head, ha="left", va="top", fontsize=12, fontweight="bold")
        fig.text(0.99, 1 - 0.14 / height, ("each panel has its own scale" if not sharey else "one scale")
                 if n else "", ha="right", va="top", fontsize=8.5, color=GREY)
        out.update(_save(fig, f"sweep_{_fname(metric)}", head))
    return out


def _sweep_panels(axes, t, geos, parameter, metric, unit, div, numeric, cats, sharey) -> None:
    """One small panel per state: the metric against the parameter."""
    n, ncol = len(geos), axes.shape[1]
    values = t[t["geo"].isin(geos)][metric].to_numpy(dtype=float, na_value=np.nan) / div
    for k, ax in enumerate(axes.flat):
        if k >= n:
            ax.set_visible(False)
            continue
        g = geos[k]
        rows = t[t["geo"] == g]
        if numeric:
            rows = rows.sort_values([parameter] + (["point"] if "point" in rows else []), kind="stable")
            x = rows[parameter].to_numpy(dtype=float, na_value=np.nan)
        else:
            x = np.array([cats.index(v) for v in rows[parameter]], dtype=float)
            order = np.argsort(x, kind="stable")
            rows, x = rows.iloc[order], x[order]
        v = rows[metric].to_numpy(dtype=float, na_value=np.nan) / div
        ax.plot(x, v, color=BLUE, lw=1.6, marker="o", markersize=3, clip_on=False)
        ax.text(0, 1.06, label(g), transform=ax.transAxes, fontsize=8.5, fontweight="bold", va="bottom")
        ax.grid(True)
        ax.tick_params(labelsize=7)
        finite = v[np.isfinite(v)]
        if not sharey and len(finite):
            top, bottom = float(finite.max()), float(finite.min())
            if bottom >= 0:
                ax.set_ylim(0, top * 1.12 if top > 0 else 1)
        if unit in ("persons", ""):
            _thousands(ax.yaxis)
        if k + ncol >= n:  # nothing below this panel: show its x tick labels
            ax.xaxis.set_tick_params(labelbottom=True)
        if not numeric:
            ax.set_xticks(range(len(cats)), [str(c) for c in cats], rotation=30, ha="right")
    if numeric:
        _thousands(axes.flat[0].xaxis)
    finite = values[np.isfinite(values)]
    if sharey and len(finite) and finite.min() >= 0:
        axes.flat[0].set_ylim(0, float(finite.max()) * 1.12 or 1)


def _plain(v: float, unit: str) -> str:
    if unit == "EUR million":
        return decimal(v, 2, THIN)
    if unit == "%":
        return f"{v:.1f}{THIN}%"
    return num(v) if float(v).is_integer() else f"{v:g}"
