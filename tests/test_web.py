"""The web desk's API, used as a client would: over HTTP against a running
server (uvicorn on 127.0.0.1), with the results checked against the library
and the command line."""

from __future__ import annotations

import io
import json
import sys

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed: pip install 'solidarity[web]'")
httpx = pytest.importorskip("httpx")

from typer.testing import CliRunner  # noqa: E402

from solidarity.cli import app as cli_app  # noqa: E402
from solidarity.web.app import MAX_BODY, Settings  # noqa: E402

from .conftest import SCENARIOS  # noqa: E402
from .web_server import running_desk  # noqa: E402

ADOPTED = SCENARIOS / "2026-adopted.toml"
SETS = ["pool.relocations=30000", "states.PL.deduction=0.5"]


@pytest.fixture(scope="module")
def desk():
    with running_desk(Settings(workers=1, queue=2)) as (url, app), httpx.Client(base_url=url, timeout=120) as c:
        yield c, app


@pytest.fixture(scope="module")
def adopted_30000(desk):
    c, _ = desk
    r = c.post("/api/run", json={"scenario": "2026-adopted", "set": SETS})
    assert r.status_code == 200, r.text
    return r.json()


def test_openapi_lists_every_endpoint(desk):
    c, _ = desk
    paths = c.get("/openapi.json").json()["paths"]
    assert set(paths) == {"/api/scenarios", "/api/run", "/api/compare", "/api/explain",
                          "/api/results/{digest}/explain/{state}", "/api/results/{digest}/tables/{table}.{fmt}",
                          "/api/results/{digest}/workbook.xlsx", "/api/results/{digest}/brief.html",
                          "/api/results/{digest}/charts/{chart}.{fmt}"}
    docs = c.get("/docs")
    assert docs.status_code == 200 and "/static/docs.js" in docs.text


def test_scenarios_lists_the_bundled_ones(desk):
    c, _ = desk
    ids = {s["id"]: s for s in c.get("/api/scenarios").json()}
    assert {p.stem for p in SCENARIOS.glob("*.toml")} <= set(ids)
    assert ids["2026-adopted"]["document"]["pool"]["relocations"] == 21000
    assert ids["2026-adopted"]["origin"] == "bundled"


def test_a_run_gives_the_same_tables_byte_for_byte_as_solidarity_run(desk, adopted_30000, tmp_path):
    c, _ = desk
    out = tmp_path / "out"
    args = ["run", str(ADOPTED), "-o", str(out), "-f", "json", "-f", "csv", "-q"]
    for s in SETS:
        args += ["--set", s]
    res = CliRunner().invoke(cli_app, args)
    assert res.exit_code == 0, res.output
    tables = adopted_30000["tables"]
    assert set(tables) == {p.stem for p in out.glob("*.json") if p.name != "manifest.json"}
    for name, doc in tables.items():
        assert (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode() == (out / f"{name}.json").read_bytes()
        csv = c.get(f"/api/results/{adopted_30000['digest']}/tables/{name}.csv")
        assert csv.content == (out / f"{name}.csv").read_bytes(), name
    assert (out / "scenario.toml").read_bytes() == _effective(adopted_30000)


def _effective(payload) -> bytes:
    from solidarity.inputs.document import to_toml
    from solidarity.inputs.scenario import load_scenario
    sc = load_scenario(ADOPTED, SETS)
    assert sc.digest == payload["digest"]
    return to_toml(sc.effective).encode()


def test_a_run_carries_summary_verification_and_manifest(adopted_30000):
    import solidarity

    res = solidarity.run(solidarity.load_scenario(ADOPTED, SETS))
    de = next(r for r in adopted_30000["tables"]["obligations"]["data"] if r["geo"] == "DE")
    assert de["obligation_eur"] == int(res.tables["obligations"].loc["DE", "obligation_eur"])
    assert adopted_30000["verification"] == {"verified": True, "status": "optimal", "solver": res.solve.solver}
    from solidarity.outputs.summary import intro
    assert adopted_30000["summary"] == intro(res)
    m = adopted_30000["manifest"]
    assert m["scenario_sha256"] == adopted_30000["digest"]
    assert {"shares.csv", "shares.json", "shares.parquet", "summary.md", "scenario.toml"} <= set(m["outputs"])
    assert all(not i["path"].startswith("/") for i in m["inputs"])  # no server folder shown


def test_a_bad_override_is_a_problem_document_with_422(desk):
    c, _ = desk
    r = c.post("/api/run", json={"scenario": "2026-adopted", "set": ["pool.relocations=-5"]})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    doc = r.json()
    assert doc["status"] == 422 and doc["exit_code"] == 3 and doc["title"] == "invalid input"
    [p] = doc["problems"]
    assert (p["key"], p["value"], p["message"]) == ("pool.relocations", "-5", "negative")
    assert p["allowed"].startswith("whole persons from 0")


def test_an_unknown_key_and_an_unknown_scenario_name_what_is_allowed(desk):
    c, _ = desk
    doc = c.post("/api/run", json={"scenario": "2026-adopted", "set": ["pool.relocatons=1"]}).json()
    assert doc["problems"][0]["key"] == "pool.relocatons" and "relocations" in doc["problems"][0]["allowed"]
    doc = c.post("/api/run", json={"scenario": "nope"}).json()
    assert doc["status"] == 422 and "2026-adopted" in doc["problems"][0]["allowed"]
    doc = c.post("/api/run", json={"set": []}).json()
    assert doc["problems"][0]["allowed"] == "exactly one of scenario and document"


def test_a_request_names_no_server_file(desk):
    c, _ = desk
    text = ADOPTED.read_text() + '\n'
    text = text.replace("[data]\n", '[data]\npopulation_file = "/etc/passwd"\n')
    doc = c.post("/api/run", json={"document": text}).json()
    assert doc["status"] == 422 and doc["problems"][0]["key"] == "data.population_file"
    doc = c.post("/api/run", json={"scenario": "2026-adopted", "set": ['data.gdp_file="/etc/hosts"']}).json()
    assert doc["status"] == 422 and doc["problems"][0]["key"] == "data.gdp_file"


def test_a_whole_document_runs_like_the_file(desk, adopted_30000):
    c, _ = desk
    r = c.post("/api/run", json={"document": ADOPTED.read_text(), "set": SETS})
    assert r.status_code == 200, r.text
    assert r.json()["tables"] == adopted_30000["tables"]


def test_explain_downloads_and_compare(desk, adopted_30000):
    import pandas as pd

    c, _ = desk
    d = adopted_30000["digest"]
    ex = c.get(f"/api/results/{d}/explain/DE").json()
    assert ex["text"].startswith("Germany (DE)")
    bad = c.get(f"/api/results/{d}/explain/XX")
    assert bad.status_code == 422 and bad.json()["problems"][0]["key"] == "state"
    pq = pd.read_parquet(io.BytesIO(c.get(f"/api/results/{d}/tables/shares.parquet").content))
    assert len(pq) == len(adopted_30000["tables"]["shares"]["data"])
    wb = c.get(f"/api/results/{d}/workbook.xlsx")
    assert wb.status_code == 200 and wb.content[:2] == b"PK"
    assert c.get(f"/api/results/{'0' * 64}/workbook.xlsx").status_code == 404
    cmp = c.post("/api/compare", json={"baseline": {"scenario": "2026-adopted"},
                                        "changed": {"scenario": "2026-adopted", "set": SETS}}).json()
    pl = next(r for r in cmp["obligations"] if r["geo"] == "PL")
    assert pl["baseline_eur"] == 0 and pl["difference_eur"] > 0


def test_security_headers_and_a_page_without_inline_script(desk):
    c, _ = desk
    r = c.get("/")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert "<script>" not in r.text and "http" not in r.text.replace('http-equiv', '')  # no CDN


def test_a_large_body_is_refused(desk):
    c, _ = desk
    r = c.post("/api/run", content=b"x" * (MAX_BODY + 1), headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"


def test_a_full_queue_answers_503_with_retry_after(desk):
    from concurrent.futures import Future

    c, app = desk
    runs = app.state.desk.runs
    held = {f"busy{i}": Future() for i in range(runs.workers + runs.queue)}
    runs._running.update(held)
    try:
        r = c.post("/api/run", json={"scenario": "2026-adopted", "set": ["pool.relocations=22222"]})
    finally:
        for k in held:
            runs._running.pop(k)
    assert r.status_code == 503 and r.headers["retry-after"] == "5"


def test_a_token_is_required_when_set():
    with running_desk(Settings(workers=1, token="s3cret")) as (url, _), httpx.Client(base_url=url) as c:
        assert c.get("/api/scenarios").status_code == 401
        assert c.get("/api/scenarios", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert c.get("/?token=s3cret").status_code == 200


@pytest.mark.parametrize("args, needle", [
    (["--host", "0.0.0.0"], "--allow-remote"),
    (["--host", "0.0.0.0", "--allow-remote"], "--token"),
])
def test_serve_refuses_another_address_without_flag_and_token(args, needle, monkeypatch):
    monkeypatch.delenv("SOLIDARITY_TOKEN", raising=False)
    res = CliRunner().invoke(cli_app, ["serve", *args])
    assert res.exit_code == 3 and needle in res.output


def test_serve_without_the_extra_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    res = CliRunner().invoke(cli_app, ["serve"])
    assert res.exit_code == 3 and "pip install 'solidarity[web]'" in res.output


def test_a_runs_charts_are_the_files_run_writes(desk, adopted_30000):
    """The obligations chart of a cached run, as PNG and SVG, is the file
    `solidarity run` draws from the same tables; an unknown chart names those
    there are."""
    pytest.importorskip("matplotlib")
    import solidarity
    from solidarity.outputs.charts import run_charts

    c, _ = desk
    root = f"/api/results/{adopted_30000['digest']}/charts"
    want = run_charts(solidarity.run(solidarity.load_scenario(ADOPTED, SETS)))
    for fmt, media in (("png", "image/png"), ("svg", "image/svg+xml")):
        r = c.get(f"{root}/obligations.{fmt}")
        assert r.status_code == 200 and r.headers["content-type"].startswith(media)
        assert r.content == want[f"obligations.{fmt}"]
    bad = c.get(f"{root}/nonsense.png")
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["key"] == "chart" and "obligations" in bad.json()["problems"][0]["allowed"]
    assert c.get(f"{root}/obligations.gif").status_code == 422


def test_a_chart_without_matplotlib_names_the_extra(desk, monkeypatch):
    import solidarity.outputs.charts as charts

    def missing(result):
        raise ImportError("No module named 'matplotlib'")

    c, _ = desk
    monkeypatch.setattr(charts, "run_charts", missing)
    run = c.post("/api/run", json={"scenario": "2026-adopted", "set": ["pool.relocations=25000"]}).json()
    r = c.get(f"/api/results/{run['digest']}/charts/obligations.png")
    assert r.status_code == 422
    p = r.json()["problems"][0]
    assert "needs matplotlib" in p["message"] and p["allowed"] == "pip install 'solidarity[charts]'"
