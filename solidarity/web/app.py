"""The FastAPI application: the JSON API, its OpenAPI description and the desk's page.

Every route is under ``/api`` except the page (``/``), its assets
(``/static``), the API's reference page (``/docs``) and the OpenAPI document
(``/openapi.json``). Errors are RFC 9457 problem documents. Results are
addressed by the effective scenario's digest: a download names a digest,
never a file.
"""

from __future__ import annotations

import hmac
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from ..errors import InputError, Problem, SolidarityError
from .jobs import Busy, Runs, Stored, catalogue, load_request
from .problems import MEDIA_TYPE, problem_document, simple

STATIC = Path(__file__).parent / "static"
#: Largest request body, in bytes (a scenario document is a few kilobytes).
MAX_BODY = 1_000_000
#: Content security policy: our own scripts and styles only, no framing.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
           "Referrer-Policy": "no-referrer", "Cross-Origin-Opener-Policy": "same-origin"}
#: Runs whose charts are kept (a run's charts are a few hundred kilobytes).
CHART_CACHE = 8
TableFormat = Literal["csv", "json", "parquet", "xlsx"]


class RunRequest(BaseModel):
    """A run: a stored scenario with overrides, or a whole scenario document."""

    scenario: str | None = Field(None, description="Identifier of a stored scenario (GET /api/scenarios).",
                                 examples=["2026-adopted"])
    set: list[str] = Field(default_factory=list, description="Overrides in the --set syntax, key.path=value.",
                           examples=[["pool.relocations=30000"]])
    document: str | None = Field(None, description="A whole scenario document (TOML) instead of a stored one; "
                                                   "it may not name data files.")


class ExplainRequest(RunRequest):
    state: str = Field(description="The participant to explain (EL for Greece).", examples=["DE"])


class CompareRequest(BaseModel):
    baseline: RunRequest
    changed: RunRequest


class Problem9457(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    problems: list[dict] | None = None


@dataclass
class Settings:
    """What ``solidarity serve`` configures."""

    scenarios: list[Path] = field(default_factory=list)
    token: str | None = None
    workers: int = 2
    queue: int = 8
    time_limit: float = 30.0


def problem_response(status: int, doc: dict, headers: dict | None = None) -> JSONResponse:
    return JSONResponse(doc, status_code=status, media_type=MEDIA_TYPE, headers=headers)


class Desk:
    """The state behind the routes: the scenarios offered, the runs, rendered payloads."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.stored = catalogue(settings.scenarios)
        self.runs = Runs(workers=settings.workers, queue=settings.queue, time_limit=settings.time_limit)
        self._charts: OrderedDict[str, dict[str, bytes]] = OrderedDict()
        self._charts_lock = threading.Lock()

    def scenario(self, req: RunRequest):
        if (req.scenario is None) == (req.document is None):
            raise InputError(Problem("request", "scenario", req.scenario, "give a stored scenario or a document",
                                     "exactly one of scenario and document"))
        stored: Stored | None = None
        if req.scenario is not None:
            stored = self.stored.get(req.scenario)
            if stored is None:
                raise InputError(Problem("request", "scenario", req.scenario, "no such scenario",
                                         "one of " + ", ".join(sorted(self.stored))))
        return load_request(stored, list(req.set), req.document)

    async def run_bytes(self, req: RunRequest) -> bytes:
        """The run's payload as JSON, rendered once in the worker that solved it."""
        _, _, body = await self.runs.result(self.scenario(req))
        return body

    async def run(self, req: RunRequest) -> dict:
        return json.loads(await self.run_bytes(req))

    def result(self, digest: str):
        hit = self.runs.cached(digest)
        if hit is None:
            raise NotFound(f"no run with digest {digest} in the cache: run it first (POST /api/run)")
        return hit


    def charts(self, digest: str) -> dict[str, bytes]:
        """The chart files of a cached run, drawn once (about a second) and kept
        while the run is among the last few asked for."""
        res, _, _ = self.result(digest)
        with self._charts_lock:
            hit = self._charts.get(digest)
        if hit is None:
            try:
                from ..outputs.charts import run_charts
                hit = run_charts(res)
            except ImportError as exc:
                raise InputError(Problem("request", "chart", digest, f"needs matplotlib ({exc})",
                                         "pip install 'solidarity[charts]'")) from None
            with self._charts_lock:
                self._charts[digest] = hit
                while len(self._charts) > CHART_CACHE:
                    self._charts.popitem(last=False)
        return hit


class NotFound(Exception):
    pass


def _describe(s: Stored) -> dict:
    from ..inputs.document import read_document

    doc = read_document(s.path).data
    meta = doc.get("scenario", {})
    return {"id": s.id, "origin": s.origin, "name": meta.get("name", s.id), "year": meta.get("year"),
            "description": meta.get("description", ""), "document": json.loads(json.dumps(doc, default=str))}


def create_app(settings: Settings | None = None) -> FastAPI:
    """The desk's application (see ``solidarity serve``)."""
    settings = settings or Settings()
    desk = Desk(settings)
    app = FastAPI(title="solidarity web desk", version=_version(), docs_url=None, redoc_url=None,
                  description="The EU Annual Solidarity Pool, computed exactly and verified: run scenarios, "
                              "compare them, explain a state, download tables. Errors are RFC 9457 problem "
                              "documents; their status follows the command line's exit codes "
                              "(3 -> 422, 4 -> 409, 5 -> 500, 6 -> 504, 8 -> 503).")
    app.state.desk = desk
    _middleware(app, settings)
    _errors(app)
    _routes(app, desk)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.router.on_shutdown.append(desk.runs.stop)
    return app


def _version() -> str:
    from .. import __version__
    return __version__


def _middleware(app: FastAPI, settings: Settings) -> None:
    @app.middleware("http")
    async def guard(request: Request, call_next):
        if settings.token is not None and not _authorised(request, settings.token):
            resp: Response = problem_response(401, simple(401, "unauthorised", "this desk needs a token: "
                                                          "Authorization: Bearer TOKEN, or ?token=TOKEN"),
                                              {"WWW-Authenticate": "Bearer"})
        elif int(request.headers.get("content-length") or 0) > MAX_BODY:
            resp = problem_response(413, simple(413, "request too large", f"at most {MAX_BODY} bytes"))
        elif request.method == "POST" and "content-length" not in request.headers:
            resp = problem_response(411, simple(411, "length required", "send a Content-Length header"))
        else:
            resp = await call_next(request)
        for k, v in HEADERS.items():
            resp.headers.setdefault(k, v)
        return resp


def _authorised(request: Request, token: str) -> bool:
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    given = given or request.query_params.get("token", "")
    return hmac.compare_digest(given.encode(), token.encode())


def _errors(app: FastAPI) -> None:
    @app.exception_handler(SolidarityError)
    async def library_error(request: Request, exc: SolidarityError):
        status, doc = problem_document(exc, instance=request.url.path)
        return problem_response(status, doc)

    @app.exception_handler(Busy)
    async def busy(request: Request, exc: Busy):
        return problem_response(503, simple(503, "busy", "every worker is busy and the queue is full"),
                                {"Retry-After": "5"})

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound):
        return problem_response(404, simple(404, "not found", str(exc)))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        items = [{"file": "request", "key": ".".join(str(x) for x in e.get("loc", ())[1:]),
                  "value": e.get("input") if isinstance(e.get("input"), str | int | float | bool) else None,
                  "message": e.get("msg", ""), "allowed": e.get("type", "")} for e in exc.errors()]
        return problem_response(422, simple(422, "invalid input", "the request does not match its schema",
                                            problems=items, exit_code=3))


def _routes(app: FastAPI, desk: Desk) -> None:
    @app.get("/", include_in_schema=False)
    def page():
        return FileResponse(STATIC / "index.html")

    @app.get("/docs", include_in_schema=False)
    def docs():
        return FileResponse(STATIC / "docs.html")

    @app.get("/api/scenarios", summary="The stored scenarios: bundled ones and those given to serve")
    def scenarios() -> list[dict[str, Any]]:
        return [_describe(s) for s in desk.stored.values()]

    @app.post("/api/run", summary="Run a scenario: every table, the summary, the verification, the manifest",
              responses={422: {"model": Problem9457, "description": "invalid input (exit code 3)"}})
    async def run(req: RunRequest) -> Response:
        return Response(await desk.run_bytes(req), media_type="application/json")

    @app.post("/api/compare", summary="Two runs side by side, with each state's change in obligation")
    async def compare(req: CompareRequest) -> dict[str, Any]:
        a, b = await desk.run(req.baseline), await desk.run(req.changed)
        return {"baseline": a, "changed": b, "obligations": _obligation_changes(a, b)}

    @app.post("/api/explain", summary="Explain one state of a run in words and numbers")
    async def explain(req: ExplainRequest) -> dict[str, Any]:
        payload = await desk.run(req)
        return _explain(desk, payload["digest"], req.state)

    @app.get("/api/results/{digest}/explain/{state}", summary="Explain one state of a cached run")
    def explain_cached(digest: str, state: str) -> dict[str, Any]:
        return _explain(desk, digest, state)

    @app.get("/api/results/{digest}/tables/{table}.{fmt}", summary="One table of a cached run as a file")
    def table(digest: str, table: str, fmt: TableFormat) -> Response:
        res, _, _ = desk.result(digest)
        if table not in res.tables:
            raise InputError(Problem("request", "table", table, "no such table", ", ".join(res.tables)))
        return _file(res, {table: res.tables[table]}, fmt, table)

    @app.get("/api/results/{digest}/charts/{chart}.{fmt}",
             summary="One chart of a cached run (obligations, flows, beneficiaries; offsets and crisis when owed)")
    def chart(digest: str, chart: str, fmt: Literal["png", "svg"]) -> Response:
        files = desk.charts(digest)
        name = f"{chart}.{fmt}"
        if name not in files:
            stems = sorted({f.rsplit(".", 1)[0] for f in files})
            raise InputError(Problem("request", "chart", chart, "no such chart in this run", ", ".join(stems)))
        return Response(files[name], media_type="image/png" if fmt == "png" else "image/svg+xml")

    @app.get("/api/results/{digest}/workbook.xlsx", summary="Every table of a cached run in one workbook")
    def workbook(digest: str) -> Response:
        res, _, _ = desk.result(digest)
        return _file(res, res.tables, "xlsx", "tables")

    @app.get("/api/results/{digest}/brief.html", summary="A cached run as one HTML page to circulate")
    def brief(digest: str) -> Response:
        from ..outputs.report import render
        res, text, _ = desk.result(digest)
        body = render(res.tables, ["html"], title=f"{res.scenario.name} ({res.scenario.year})", intro=text)
        return Response(body["brief.html"], media_type="text/html; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="brief.html"'})


_MEDIA = {"csv": "text/csv; charset=utf-8", "json": "application/json", "parquet": "application/vnd.apache.parquet",
          "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _file(res, tables: dict, fmt: str, stem: str) -> Response:
    from ..outputs.report import render

    if fmt == "xlsx":
        try:
            import openpyxl  # noqa: F401
        except ImportError as exc:
            raise InputError(Problem("request", "format", fmt, f"needs openpyxl ({exc})",
                                     "csv, json or parquet; or pip install 'solidarity[xlsx]'")) from None
    files = render(tables, [fmt], title=f"{res.scenario.name} ({res.scenario.year})")
    name = "tables.xlsx" if fmt == "xlsx" else f"{stem}.{fmt}"
    return Response(files[name], media_type=_MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'})


def _explain(desk: Desk, digest: str, state: str) -> dict:
    from ..studies.explain import check_state, explain

    res, _, _ = desk.result(digest)
    check_state(res.scenario, state, where="state", file="request")
    ex = explain(res, state)
    return {"digest": digest, "state": state, "text": ex.text(), "explanation": ex.to_dict()}


def _obligation_changes(a: dict, b: dict) -> list[dict]:
    rows = {r["geo"]: r for r in a["tables"]["obligations"]["data"]}
    out = []
    for r in b["tables"]["obligations"]["data"]:
        before = rows.get(r["geo"], {}).get("obligation_eur")
        out.append({"geo": r["geo"], "baseline_eur": before, "changed_eur": r["obligation_eur"],
                    "difference_eur": None if before is None else r["obligation_eur"] - before})
    return out
