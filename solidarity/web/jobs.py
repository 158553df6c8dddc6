"""Scenarios the desk offers, and their runs: loaded in the server, solved in
a bounded pool of worker processes, cached by the effective scenario's digest.

Nothing in a request names a file on the server: a stored scenario is named
by its identifier (the file's stem), and a scenario document sent in a
request may not name data files (the bundled Eurostat data is used).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import OrderedDict
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from ..errors import InputError, LimitError, Problem

#: Largest number of ``--set`` overrides one request may carry.
MAX_SETS = 200
#: Keys a request may not set or send: they name files on the server.
FILE_KEYS = ("data.population_file", "data.gdp_file")


class Busy(Exception):
    """Every worker is busy and the queue is full: come back later."""


@dataclass(frozen=True)
class Stored:
    """A scenario file the server offers: bundled, or given on the command line."""

    id: str
    path: Path
    origin: str  # "bundled" or "given"


def bundled_scenarios() -> list[Path]:
    """The example scenarios shipped with the package."""
    from importlib.resources import files

    root = Path(str(files("solidarity") / "_scenarios"))
    return sorted(root.glob("*.toml"))


def catalogue(given: list[Path]) -> dict[str, Stored]:
    """Identifier -> scenario: the given files first (they win a name clash),
    then the bundled ones."""
    out: dict[str, Stored] = {}
    for p in given:
        out.setdefault(p.stem, Stored(p.stem, p.resolve(), "given"))
    for p in bundled_scenarios():
        out.setdefault(p.stem, Stored(p.stem, p, "bundled"))
    return out


def _refuse_files(sets: list[str], doc_keys: list[str], file: str) -> None:
    problems = [Problem("request", s.split("=", 1)[0].strip(), s.split("=", 1)[-1].strip(),
                        "names a file on the server, which the web desk does not read",
                        "the bundled Eurostat data (leave the key out)")
                for s in sets if s.split("=", 1)[0].strip().strip('"') in FILE_KEYS]
    problems += [Problem(file, k, "", "names a file on the server, which the web desk does not read",
                         "the bundled Eurostat data (leave the key out)") for k in doc_keys]
    if problems:
        raise InputError(problems)


def load_request(stored: Stored | None, sets: list[str], text: str | None):
    """The validated :class:`~solidarity.inputs.scenario.Scenario` a request
    asks for: a stored one with overrides, or a whole document (raises
    :class:`~solidarity.errors.InputError` with every problem)."""
    from ..inputs.document import apply_overrides, parse_document, read_document
    from ..inputs.scenario import from_document

    if len(sets) > MAX_SETS:
        raise InputError(Problem("request", "set", len(sets), "too many overrides", f"at most {MAX_SETS}"))
    _refuse_files(sets, [], "request")
    if text is not None:
        raw = parse_document(text, file="request", base=None)
        data = raw.data.get("data", {})
        _refuse_files([], [k for k in FILE_KEYS if isinstance(data, dict) and k.split(".")[1] in data],
                      "request")
    else:
        assert stored is not None
        raw = read_document(stored.path)
    doc = apply_overrides(raw, sets) if sets else raw
    return from_document(doc, source=raw, sets=tuple(sets))


def solve(scenario, time_limit: float | None):
    """Run one scenario (in a worker process): the verified
    :class:`~solidarity.pipeline.Result`, its summary in words and the API's
    answer as JSON (rendered here, so the server's event loop stays free)."""
    from ..outputs.summary import intro
    from ..pipeline import run_pact

    if time_limit is not None:
        s = scenario.solver
        limit = min(time_limit, s.time_limit) if s.time_limit else time_limit
        scenario = replace(scenario, solver=replace(s, time_limit=limit))
    res = run_pact(scenario)
    text = intro(res)
    return res, text, json.dumps(render_payload(res, text), ensure_ascii=False).encode("utf-8")


def render_payload(res, text: str) -> dict:
    """What a run returns: every table in the files' Table Schema JSON, the
    summary, the verification result and the manifest."""
    from ..inputs.document import to_toml
    from ..outputs.output import build_manifest
    from ..outputs.report import render

    sc = res.scenario
    files = render(res.tables, ["csv", "parquet", "json", "md"], title=f"{sc.name} ({sc.year})", intro=text)
    files["scenario.toml"] = to_toml(sc.effective).encode("utf-8")
    manifest = build_manifest(files, identity=f"run {Path(sc.path).name}", scenario_digest=sc.digest,
                              inputs=_inputs(res), command=["solidarity", "serve"])
    return {"digest": sc.digest, "name": sc.name, "year": sc.year, "overrides": list(sc.overrides),
            "summary": text,
            "verification": {"verified": True, "status": res.solve.status.value, "solver": res.solve.solver},
            "tables": {name: json.loads(files[f"{name}.json"]) for name in res.tables},
            "manifest": manifest, "participants": list(sc.participants)}


def _inputs(res) -> list[dict]:
    """Data files read, named without the server's folders."""
    from ..inputs.data import data_dir
    from ..outputs.output import sha256_file

    out = []
    bundled = data_dir().resolve()
    for role, ind in (("population", res.population), ("gdp", res.gdp)):
        path = getattr(ind, "path", "")
        if path and Path(path).is_file():
            real = Path(path).resolve()
            shown = f"bundled data/{real.name}" if real.parent == bundled else real.name
            out.append({"role": role, "path": shown, "sha256": sha256_file(real)})
    return out



@dataclass
class Runs:
    """A bounded pool of worker processes and a cache of results by digest.

    At most ``workers + queue`` solves are accepted at once; one more raises
    :class:`Busy` (the API answers 503 with ``Retry-After``). A request waits
    at most ``time_limit`` seconds (the solver is given the same limit).
    """

    workers: int = 2
    queue: int = 8
    time_limit: float = 30.0
    cache_size: int = 64
    _pool: ProcessPoolExecutor | None = None
    _cache: OrderedDict = field(default_factory=OrderedDict)
    _running: dict[str, Future] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        import multiprocessing

        if self._pool is None:
            # spawn: the server's threads and event loop are not copied into workers
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))

    def stop(self) -> None:
        """Stop the workers now, a solve under way too: without this, a worker
        left waiting on its queue outlives the server."""
        if self._pool is not None:
            procs = list(getattr(self._pool, "_processes", {}).values())  # no public way before Python 3.14
            self._pool.shutdown(wait=False, cancel_futures=True)
            for p in procs:
                p.terminate()
            for p in procs:
                p.join(5)
            self._pool = None

    def cached(self, digest: str) -> Any:
        with self._lock:
            hit = self._cache.get(digest)
            if hit is not None:
                self._cache.move_to_end(digest)
            return hit

    def _submit(self, scenario) -> Future:
        with self._lock:
            fut = self._running.get(scenario.digest)
            if fut is not None:  # the same scenario is being solved: share its run
                return fut
            if len(self._running) >= self.workers + self.queue:
                raise Busy()
            self.start()
            assert self._pool is not None
            fut = self._pool.submit(solve, scenario, self.time_limit)
            self._running[scenario.digest] = fut
            fut.add_done_callback(partial(self._done, scenario.digest))
            return fut

    def _done(self, digest: str, fut: Future) -> None:
        with self._lock:
            self._running.pop(digest, None)
            if not fut.cancelled() and fut.exception() is None:
                self._cache[digest] = fut.result()
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)

    async def result(self, scenario):
        """The (result, summary, JSON answer) of a scenario: from the cache, or solved."""
        hit = self.cached(scenario.digest)
        if hit is not None:
            return hit
        fut = self._submit(scenario)
        try:
            return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(fut)), self.time_limit)
        except TimeoutError:
            raise LimitError(f"{scenario.name}: not solved within the web desk's limit of "
                             f"{self.time_limit:g} s per request (try again: the run goes on and is "
                             f"cached when it ends)") from None
