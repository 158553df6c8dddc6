"""The HTML brief: well-formed, self-contained, with the intro, the tables
and the charts inlined."""

from __future__ import annotations

import base64
import re
from html import unescape
from html.parser import HTMLParser

import pandas as pd
import pytest

from solidarity.outputs.brief import to_html
from solidarity.outputs.report import render
from solidarity.outputs.tables import frame
from solidarity.schema import KNOWN_CODES

from .conftest import SCENARIOS

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>chart</text></svg>'


class Page(HTMLParser):
    """Collects tags, attributes, text and CSS; checks that tags nest."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.css: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1] == "style":
            self.css.append(data)
        else:
            self.text.append(data)


def parse(data: bytes) -> Page:
    p = Page()
    p.feed(data.decode("utf-8"))
    p.close()
    assert not p.errors, p.errors[:5]
    assert not p.stack, p.stack
    return p


def plain(text: str) -> str:
    """Whitespace (thin spaces included) as single spaces."""
    return re.sub(r"[\s\u2009\u202f]+", " ", text).strip()


def external(page: Page) -> list[str]:
    """Every reference that would fetch something."""
    refs = []
    for tag, attrs in page.tags:
        for key in ("src", "href", "srcset", "data", "poster", "action", "background"):
            v = attrs.get(key)
            if v is not None and not v.startswith(("data:", "#")):
                refs.append(f"{tag} {key}={v[:60]}")
        if tag in ("script", "link", "iframe", "object", "embed", "base"):
            refs.append(tag)
    css = "\n".join(page.css) + "\n".join(a.get("style", "") for _, a in page.tags)
    refs += re.findall(r"url\(\s*['\"]?(?!data:)[^)]*\)|@import", css)
    return refs


@pytest.fixture(scope="module")
def adopted():
    from solidarity.inputs.scenario import load_scenario
    from solidarity.outputs.summary import intro
    from solidarity.pipeline import run

    res = run(load_scenario(SCENARIOS / "2026-adopted.toml"))
    return res, intro(res)


@pytest.fixture(scope="module")
def crisis():
    from solidarity.inputs.scenario import load_scenario
    from solidarity.outputs.summary import intro
    from solidarity.pipeline import run

    res = run(load_scenario(SCENARIOS / "crisis-frontline.toml"))
    return res, intro(res)


CHARTS = {"obligations.png": TINY_PNG, "obligations.svg": SVG, "flows.svg": SVG, "beneficiaries.png": TINY_PNG,
          "sweep_x.svg": SVG}


@pytest.fixture(scope="module")
def page(adopted):
    res, text = adopted
    data = to_html(res.tables, "2026 adopted pool (2026)", text, CHARTS)
    return data, parse(data)


def test_parses_and_has_the_intro(page, adopted):
    data, p = page
    _, text = adopted
    assert data.startswith(b"<!DOCTYPE html>")
    body = plain(unescape(" ".join(p.text)))
    assert plain(text) in body
    assert ("title", {}) in p.tags and "2026 adopted pool (2026)" in body


def test_tables(page, adopted):
    _, p = page
    res, _ = adopted
    ids = {a.get("id") for _, a in p.tags}
    assert {"pool", "states", "beneficiaries"} <= ids
    assert sum(1 for t, _ in p.tags if t == "table") >= 4  # pool, states, beneficiaries, meta
    body = plain(" ".join(p.text))
    for g in res.tables["shares"].index:  # every participant, by name
        assert f"{KNOWN_CODES[g]} ({g})" in body
    for word in ("Obligation", "Pledged value", "Unmet", "Source", "Offsets owed", "Need", "Received",
                 "Coverage", "recorded", "assumed", "Mandatory offsets (Art 63(3))"):
        assert word in body, word
    # numbers with thin no-break spaces between thousands
    assert "265\u202f706\u202f984" in " ".join(p.text)
    assert "6\u202f932" in " ".join(p.text)  # offsets owed, a card and the total


def test_footnote_on_data_and_verification(page, adopted):
    _, p = page
    res, _ = adopted
    meta = res.tables["meta"]["value"]
    body = plain(" ".join(p.text))
    assert "Data vintages and verification" in body
    for key in ("population", "gdp", "scenario_sha256", "solver"):
        assert plain(meta[key]) in body
    assert "passed" in body


def test_charts_inlined(page):
    data, p = page
    imgs = [a for t, a in p.tags if t == "img"]
    srcs = [a["src"] for a in imgs]
    # one image per chart: the SVG when there is one, else the PNG
    assert len(imgs) == 4
    assert srcs.count("data:image/svg+xml;base64," + base64.b64encode(SVG).decode()) == 3
    assert srcs.count("data:image/png;base64," + base64.b64encode(TINY_PNG).decode()) == 1
    assert all(a.get("alt") for a in imgs)
    text = data.decode()
    assert text.index('id="chart-obligations"') > text.index('id="states"')
    assert text.index('id="chart-flows"') > text.index('id="beneficiaries"')
    assert text.index('id="chart-sweep_x"') > text.index('id="charts"')


def test_self_contained(page):
    _, p = page
    assert external(p) == []
    assert external(parse(b'<html><body><img src="https://x/y.png"><link href="a.css"></body></html>'))


def test_deterministic_and_through_render(page, adopted):
    data, _ = page
    res, text = adopted
    assert to_html(res.tables, "2026 adopted pool (2026)", text, CHARTS) == data
    assert render(res.tables, ["html"], title="2026 adopted pool (2026)", intro=text,
                  charts=CHARTS) == {"brief.html": data}


def test_crisis_section(crisis):
    res, text = crisis
    p = parse(to_html(res.tables, "Crisis", text, {}))
    assert "crisis" in {a.get("id") for _, a in p.tags}
    body = plain(" ".join(p.text))
    assert "Solidarity Response Plan" in body and "Greece (EL)" in body
    assert not [t for t, _ in p.tags if t == "img"]


def test_other_tables_and_escaping():
    ledger = frame("ledger", [{"geo": "DE", "year": 2026, "deduction": 0.0, "obligation_eur": 91_080_039,
                               "credit_available_eur": 0, "credit_used_eur": 0, "pledged_value_eur": 1,
                               "implemented_value_eur": 1, "carried_in_relocations": 0,
                               "carried_out_relocations": 0, "credit_earned_eur": 0}])
    extra = pd.DataFrame({"name": ["<b>&</b>"], "value": [1234567]})
    p = parse(to_html({"ledger": ledger, "extra": extra}, "Ledger <&>", "an <intro> & more"))
    body = " ".join(p.text)
    assert "Ledger <&>" in body and "an <intro> & more" in body and "<b>&</b>" in body
    assert "91\u202f080\u202f039" in body and "1\u202f234\u202f567" in body
    assert "2026" in body  # a year without a thousands space
    assert external(p) == []
